/** Tells a software WebGPU adapter (a GPU emulated on the CPU, e.g. SwiftShader) from a real one (pure). */
export interface AdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; device?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|\bwarp\b|microsoft basic render|software/i;

export function isSoftwareAdapter(a: AdapterLike): boolean {
  if (a.isFallbackAdapter || a.info?.isFallbackAdapter) return true;
  const i = a.info ?? {};
  return SOFTWARE.test([i.vendor, i.architecture, i.description, i.device].filter(Boolean).join(' '));
}
