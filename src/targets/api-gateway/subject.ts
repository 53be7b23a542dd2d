// The console page of a REST API's stages, linked from the report.

/** The console's stages page of the API (the current console's form). */
export function stageConsoleUrl(restApiId: string, region: string): string {
  const id = encodeURIComponent(restApiId);
  const r = encodeURIComponent(region);
  return `https://${r}.console.aws.amazon.com/apigateway/main/apis/${id}/stages?api=${id}&region=${r}`;
}
