// Isolation first: where the service worker is about to reload the page, the app (its worker, the model) never starts.
import { browserEnv, ensureIsolation, setIsolation } from './isolation/isolation.ts';

const outcome = await ensureIsolation(browserEnv(new URL('coi-sw.js', document.baseURI).href));
if (outcome !== 'reloading') {
  setIsolation(outcome);
  // Settled: the e2e waits for this before it drives the page (a reload would throw its work away).
  document.documentElement.dataset.isolation = outcome.isolated ? 'isolated' : 'not-isolated';
  await import('./app.ts');
}
