/**
 * The elements the results use by tag name in templates (`<interpreto-curve>`, ...). A tag in a template is not
 * an import, so the bundler dropped their registration (the curves were once never defined in the built
 * site); referencing the classes here and defining them keeps them.
 */
import { InterpretoCompare, InterpretoCurve, InterpretoScoreTable } from '@interpreto-js/elements';

export const RESULT_ELEMENTS: Readonly<Record<string, CustomElementConstructor>> = {
  'interpreto-curve': InterpretoCurve,
  'interpreto-score-table': InterpretoScoreTable,
  'interpreto-compare': InterpretoCompare,
};

export function defineResultElements(): void {
  for (const [tag, ctor] of Object.entries(RESULT_ELEMENTS))
    if (!customElements.get(tag)) customElements.define(tag, ctor);
}
