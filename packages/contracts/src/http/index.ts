// Fastify helpers the HTTP services share (gateway, inference). A subpath of its own so that
// workers importing @medgrade/contracts do not load fast-json-stringify.
export { responseSerializerCompiler } from './response-serializer.ts';
