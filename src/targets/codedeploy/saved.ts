// What the main step leaves for the post step once it has created a CodeDeploy deployment: its
// id, so that a crashed or killed main step's deployment is still stopped with rollback.

export const CODEDEPLOY_KEY = 'codedeploy-deployment';

export interface SavedDeployment {
  id: string;
  region: string;
  /** "alias live of orders (1 → 2)". */
  about: string;
  previousVersion: string;
  targetVersion: string;
}

export function parseSavedDeployment(text: string): SavedDeployment | undefined {
  if (!text) return undefined;
  try {
    const saved = JSON.parse(text) as Partial<SavedDeployment>;
    const fields = [saved.id, saved.region, saved.about, saved.previousVersion, saved.targetVersion];
    if (fields.every((f) => typeof f === 'string' && f.length > 0)) return saved as SavedDeployment;
  } catch {
    // An unreadable state is none: the post step then changes nothing.
  }
  return undefined;
}
