/**
 * Serves the bundled evaluation set (fixtures/eval/sentiment-eval.jsonl) as `<base>data/sentiment-eval.jsonl`
 * (dev server middleware, and copied into the build): the Dataset tab's default data, offline like the models.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Plugin } from 'vite';

export const EVAL_SET_URL = 'data/sentiment-eval.jsonl';

export function evalSet(file: string): Plugin {
  const name = basename(file);
  return {
    name: 'interpreto:eval-set',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if ((req.url ?? '').split('?')[0]!.endsWith(`/data/${name}`)) {
          res.setHeader('Content-Type', 'application/x-ndjson');
          res.end(readFileSync(file));
        } else next();
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: `data/${name}`, source: readFileSync(file) });
    },
  };
}
