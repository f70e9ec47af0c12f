/**
 * Options kept when the user switches method: an option the new method also has keeps its value when that
 * value is valid for the new method (granularity, seed, batch size, ...), and options set earlier for the new
 * method come back (the current value wins for an option both have). Nothing the new method would refuse is carried.
 */
import { METHODS, parseOption, type MethodName, type OptionValues } from '../methods.ts';

export function carryOptions(
  current: OptionValues,
  to: MethodName,
  remembered: OptionValues = {},
): { options: OptionValues; dropped: string[] } {
  const options: OptionValues = {};
  const dropped: string[] = [];
  const specs = METHODS[to].options;
  for (const [name, value] of Object.entries({ ...remembered, ...current })) {
    if (value === undefined) continue;
    const spec = specs.find((s) => s.name === name);
    if (!spec) continue;
    try {
      const v = parseOption(spec, String(value));
      if (v !== undefined) options[name] = v;
    } catch {
      dropped.push(name);
    }
  }
  return { options, dropped };
}
