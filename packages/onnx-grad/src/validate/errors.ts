/**
 * The error `validateModel` throws: every problem found (up to a cap), each naming the node or tensor, so a hostile
 * or corrupted file is refused before any transform reads it.
 *
 * Exports: `ValidationProblem`, `ModelValidationError`, `MAX_REPORTED`.
 */

export interface ValidationProblem {
  /** `node "name" (OpType)`, `initializer "name"`, `graph input "name"`, `opset import`, ... */
  where: string;
  message: string;
}

/** At most this many problems are listed; a file with more is reported as "and N more". */
export const MAX_REPORTED = 12;

export class ModelValidationError extends Error {
  override name = 'ModelValidationError';
  readonly problems: readonly ValidationProblem[];

  constructor(problems: ValidationProblem[], what = 'The model') {
    const shown = problems.slice(0, MAX_REPORTED).map((p) => `${p.where}: ${p.message}`);
    const more = problems.length > MAX_REPORTED ? `; and ${problems.length - MAX_REPORTED} more` : '';
    super(
      `${what} is not a valid ONNX model (onnxruntime would refuse it or compute something else): ${shown.join('; ')}${more}. ` +
        'Re-export it, or fix the named nodes/tensors.',
    );
    this.problems = problems;
  }
}

/** Collects problems; `full` says the cap is reached, so long checks can stop early on a hostile file. */
export class Problems {
  readonly list: ValidationProblem[] = [];
  add(where: string, message: string): void {
    this.list.push({ where, message });
  }
  get full(): boolean {
    return this.list.length > 4 * MAX_REPORTED;
  }
}

export const nodeLabel = (n: { name?: string; op_type: string }, index: number) =>
  n.name ? `node "${n.name}" (${n.op_type})` : `node #${index} (${n.op_type})`;
