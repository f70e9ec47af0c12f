export * from './curves.ts';
