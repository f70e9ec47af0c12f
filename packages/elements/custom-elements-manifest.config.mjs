/**
 * custom-elements.json (the Custom Elements Manifest that editors, Storybook and docs tools read),
 * from the JSDoc of the components (@customElement, @attr, @event, @csspart, @cssprop).
 * Generate: pnpm --filter @interpreto-js/elements analyze (test/manifest.test.ts checks it is current).
 */
export default {
  globs: ['src/components/*.ts'],
  exclude: ['src/components/styles.ts'],
  outdir: '.',
  litelement: true,
  // package.json's `customElements` field is written by hand: the analyzer would point it at any
  // --outdir, such as the test's temporary one.
  packagejson: false,
  plugins: [
    {
      // Lit `state: true` properties have no attribute, but the Lit plugin lists them as attributes;
      // they are the non-public fields (`private`/`protected declare _x`).
      name: 'interpreto-drop-state-attributes',
      packageLinkPhase({ customElementsManifest }) {
        for (const mod of customElementsManifest.modules) {
          for (const decl of mod.declarations ?? []) {
            const hidden = new Set(
              (decl.members ?? [])
                .filter((m) => m.privacy === 'private' || m.privacy === 'protected')
                .map((m) => m.name),
            );
            if (decl.attributes) decl.attributes = decl.attributes.filter((a) => !hidden.has(a.fieldName));
          }
        }
      },
    },
    {
      // `emit(type, ...)` dispatches `new CustomEvent(type, ...)`: the analyzer reads the parameter
      // `type` as an event of that name. The real events are the @event tags (all `interpreto-*`).
      name: 'interpreto-drop-parameter-events',
      packageLinkPhase({ customElementsManifest }) {
        for (const mod of customElementsManifest.modules) {
          for (const decl of mod.declarations ?? []) {
            if (decl.events) decl.events = decl.events.filter((e) => e.name?.startsWith('interpreto-'));
          }
        }
      },
    },
  ],
};
