/**
 * Lists the embedded default models (Hub-layout folders under public/models/) as the virtual
 * module `virtual:playground-models`, rebuilt on every dev load so freshly prepared models show up.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

export function scanModels(modelsDir: string): EmbeddedModel[] {
  if (!existsSync(modelsDir)) return [];
  const out: EmbeddedModel[] = [];
  for (const name of readdirSync(modelsDir).sort()) {
    const dir = join(modelsDir, name);
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

export function modelsManifest(modelsDir: string): Plugin {
  return {
    name: 'interpreto:models-manifest',
    resolveId: (id) => (id === ID ? `\0${ID}` : undefined),
    load(id) {
      if (id !== `\0${ID}`) return undefined;
      const models = scanModels(modelsDir);
      if (!models.length) this.warn(`no models in ${modelsDir}; run \`pnpm prepare-models\` first.`);
      return `export default ${JSON.stringify(models)};`;
    },
  };
}
