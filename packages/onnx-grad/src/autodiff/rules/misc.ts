/** CumSum on floats (reverse cumulative sum) and Trilu on floats (the same triangle of dy). */
import type { GradRuleDef } from '../types.ts';

export const miscRules: GradRuleDef[] = [
  {
    // y_i = sum_{j<=i} x_j  =>  dx_j = sum_{i>=j} dy_i: the same CumSum with `reverse` flipped
    ops: ['CumSum'],
    rule: (c) => [
      c.b.op('CumSum', [c.dy(0)!, c.x(1)], {
        exclusive: c.attrInt('exclusive', 0),
        reverse: c.attrInt('reverse', 0) ? 0 : 1,
      }),
    ],
  },
  {
    ops: ['Trilu'],
    rule: (c) => [c.b.op('Trilu', c.x(1) ? [c.dy(0)!, c.x(1)] : [c.dy(0)!], { upper: c.attrInt('upper', 1) })],
  },
];
