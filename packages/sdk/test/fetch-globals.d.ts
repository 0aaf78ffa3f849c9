// The generated client names the DOM's BodyInit, which @types/node does not declare globally.
// Declared here for the repository's Node-only typecheck; the package's own build compiles with
// the DOM library instead (tsconfig.build.json), which declares it.
declare global {
  type BodyInit = NonNullable<ConstructorParameters<typeof Response>[0]>;
}
export {};
