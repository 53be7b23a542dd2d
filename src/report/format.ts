// Times as the report shows them: UTC, to the second, the same in every place.

export const utcTime = (t: number): string => new Date(t).toISOString().slice(11, 19);
export const utcDateTime = (t: number): string => new Date(t).toISOString().slice(0, 19).replace('T', ' ');
