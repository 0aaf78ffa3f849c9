// @medgrade/dicom: DICOM Part 10 parse (dicom-parser underneath), byte-preserving write, dataset
// creation, dictionary, character sets and pixel data access. The only module that imports dicom-parser.
export { DicomError, type DicomErrorCode } from './dicom.error.ts';
export { TransferSyntax, VRS, type DicomElement, type DicomFragment, type DicomValue, type ElementPath, type ElementSpec, type Vr } from './dicom.types.ts';
export { DicomDataset, type DicomContext, type DatasetSpan, type WalkEntry } from './dataset.ts';
export type { DicomFile, ParseOptions, WriteOptions } from './file.ts';
export { parseDicom, parseDicomAsync, inflatedDataSetBytes, DEFAULT_MAX_INFLATED_BYTES } from './parse.ts';
export { writeDicom, writeDicomParts, IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from './write.ts';
export { createDicom, createFile, type CreateDicomInput } from './create.ts';
export { imageInfo, pixelData, frameBytes, isNative422, nativeFrameSamples, type ImageInfo, type PixelDataInfo } from './pixel-data.ts';
export { lookup, vrOf, keywordOf, tagOf, type DictionaryEntry } from './dictionary.ts';
export { charsetFor, DEFAULT_CHARSET, type Charset } from './charset.ts';
export { tag, formatTag, parseTag, groupOf, elementOf, isPrivateTag, isPrivateCreator, Tags } from './tags.ts';
export { summarizeInstance, dicomDate, ageInYears, type InstanceSummary } from './summary.ts';
