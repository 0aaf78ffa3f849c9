export * from './executor.ts';
export * from './evaluation/evaluator.ts';
