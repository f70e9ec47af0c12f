/**
 * Lists the embedded default models (Hub-layout folders under public/models/) as the virtual
 * module `virtual:playground-models`, rebuilt on every dev load so freshly prepared models show up.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Plugin } from 'vite';
import { dtypesOfFiles } from '@interpreto-js/core/registry';
import { labelsFromConfig, taskFromConfig, type PlaygroundTask } from '../src/task.ts';

export interface EmbeddedModel {
  /** Folder name under models/, i.e. the id passed to from_pretrained with allowLocalModels. */
  name: string;
  task: PlaygroundTask;
  labels?: string[];
  /** True when scripts/prepare-models.ts generated it (a test fixture), false for a committed trained model. */
  generated: boolean;
  /** The dtypes its onnx/ folder has files for (fp32 first), what `from_pretrained(name, { dtype })` can load. */
  dtypes: string[];
}

export const GENERATED_MARKER = '.generated-fixture';

/** `fixtures`: also list the generated test fixtures (the e2e build); a site build leaves them out. */
export function scanModels(modelsDir: string, fixtures = true): EmbeddedModel[] {
  if (!existsSync(modelsDir)) return [];
  const out: EmbeddedModel[] = [];
  for (const name of readdirSync(modelsDir).sort()) {
    if (name.startsWith('.')) continue;
    const dir = join(modelsDir, name);
    if (!fixtures && existsSync(join(dir, GENERATED_MARKER))) continue;
    const configPath = join(dir, 'config.json');
    if (!existsSync(configPath) || !existsSync(join(dir, 'onnx', 'model.onnx'))) continue;
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    const task = taskFromConfig(config);
    if (!task) continue;
    out.push({
      name,
      task,
      labels: labelsFromConfig(config),
      generated: existsSync(join(dir, GENERATED_MARKER)),
      dtypes: dtypesOfFiles(readdirSync(join(dir, 'onnx'))),
    });
  }
  // Committed trained models first: they are the defaults; generated test fixtures after them.
  return out.sort((a, b) => Number(a.generated) - Number(b.generated));
}

const ID = 'virtual:playground-models';

/**
 * `fixtures: false` (a site build): generated test fixtures are neither listed nor shipped, and no dotfile
 * (`.gitignore`, the fixture marker) is shipped; both are removed from the output once vite has copied public/.
 */
export function modelsManifest(modelsDir: string, { fixtures = true } = {}): Plugin {
  let outDir = '';
  return {
    name: 'interpreto:models-manifest',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    resolveId: (id) => (id === ID ? `\0${ID}` : undefined),
    load(id) {
      if (id !== `\0${ID}`) return undefined;
      const models = scanModels(modelsDir, fixtures);
      if (!models.length) this.warn(`no models in ${modelsDir}; run \`pnpm prepare-models\` first.`);
      return `export default ${JSON.stringify(models)};`;
    },
    closeBundle() {
      if (!outDir || !existsSync(join(outDir, 'models'))) return;
      if (!fixtures) {
        for (const name of readdirSync(modelsDir))
          if (existsSync(join(modelsDir, name, GENERATED_MARKER)))
            rmSync(join(outDir, 'models', name), { recursive: true, force: true });
      }
      removeDotfiles(join(outDir, 'models'));
    },
  };
}

/** Deletes dotfiles and dot-folders under `dir` (a built output: only what vite wrote there). */
export function removeDotfiles(dir: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name.startsWith('.')) rmSync(path, { recursive: true, force: true });
    else if (statSync(path).isDirectory()) removeDotfiles(path);
  }
}
