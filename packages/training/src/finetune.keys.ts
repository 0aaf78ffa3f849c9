// The fine-tune job layout lives with every other object key (@medgrade/storage/keys).
export { chunkNumber, finetuneJobPrefix, finetuneKeys, type AttemptKeys, type FinetuneKeys } from '@medgrade/storage/keys';
