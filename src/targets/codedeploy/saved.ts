// What the main step leaves for the post step once it has created a CodeDeploy deployment: its
// id, so that a crashed or killed main step's deployment is still stopped with rollback.

export const CODEDEPLOY_KEY = 'codedeploy-deployment';

export interface SavedDeployment {
  id: string;
  region: string;
  /** "alias live of orders (1 → 2)". */
  about: string;
}

export function parseSavedDeployment(text: string): SavedDeployment | undefined {
  if (!text) return undefined;
  try {
    const saved = JSON.parse(text) as Partial<SavedDeployment>;
    if (typeof saved.id === 'string' && typeof saved.region === 'string' && typeof saved.about === 'string')
      return saved as SavedDeployment;
  } catch {
    // An unreadable state is none: the post step then changes nothing.
  }
  return undefined;
}
