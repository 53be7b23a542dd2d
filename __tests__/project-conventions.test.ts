// What users expect of an action's repository, kept true by a test: the Node version said in one
// place agrees with every other, the action has branding, releases move the major tag, and
// dependency updates cover npm and the workflows' actions.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const text = (path: string) => readFileSync(path, 'utf8');
const yaml = <T>(path: string) => parse(text(path)) as T;

interface ActionYaml {
  runs: { using: string };
  branding?: { icon?: string; color?: string };
}

describe('project conventions', () => {
  it('.node-version is the runtime action.yml declares, and the workflows use that file', () => {
    const runtime = yaml<ActionYaml>('action.yml').runs.using;
    expect(`node${text('.node-version').trim()}`).toBe(runtime);
    for (const workflow of ['ci.yml', 'release.yml']) {
      const body = text(`.github/workflows/${workflow}`);
      expect(body).not.toMatch(/node-version:\s*\d/);
      expect(body).toContain('node-version-file: .node-version');
    }
  });

  it("the development commands' Node in package.json engines is the one the README states", () => {
    const engines = (JSON.parse(text('package.json')) as { engines: { node: string } }).engines.node;
    const major = /^>=(\d+(?:\.\d+)?)$/.exec(engines)?.[1];
    expect(major).toBeDefined();
    expect(text('README.md')).toContain(`development commands below need Node ${major} or later`);
  });

  it('action.yml has branding for the Marketplace', () => {
    const { branding } = yaml<ActionYaml>('action.yml');
    expect(branding?.icon).toMatch(/^[a-z-]+$/);
    expect(branding?.color).toMatch(/^(white|black|yellow|blue|green|orange|red|purple|gray-dark)$/);
  });

  it('a published release moves its major tag', () => {
    const release = yaml<{ on: { release: { types: string[] } }; permissions: Record<string, string> }>(
      '.github/workflows/release.yml',
    );
    expect(release.on.release.types).toEqual(['published']);
    expect(release.permissions.contents).toBe('write');
    const body = text('.github/workflows/release.yml');
    expect(body).toContain('npm run check-dist');
    expect(body).toMatch(/git push origin "refs\/tags\/\$MAJOR" --force/);
  });

  it('Dependabot updates npm packages and GitHub Actions', () => {
    const config = yaml<{ updates: { 'package-ecosystem': string; directory: string }[] }>(
      '.github/dependabot.yml',
    );
    expect(config.updates.map((u) => u['package-ecosystem']).sort()).toEqual(['github-actions', 'npm']);
  });
});
