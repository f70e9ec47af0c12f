declare module 'virtual:playground-models' {
  const models: import('../build/models-manifest.ts').EmbeddedModel[];
  export default models;
}
