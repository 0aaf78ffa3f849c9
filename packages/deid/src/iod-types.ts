// The attribute "Type" (1, 2, 3) that decides composite actions (X/Z, X/D, Z/D, X/Z/D, X/Z/U*).
// PS3.3 module tables are not in shared/data, so this is a curated table for the top level of
// the image IODs we ingest: classic single-frame (General Study/Series/Equipment/Image modules)
// and enhanced multi-frame (Enhanced General Equipment, Multi-frame Functional Groups), where
// device identity and acquisition datetimes become Type 1. Anything else is "unknown" and takes
// the safe reading in action.resolve.ts.

export type AttributeType = 1 | 2 | 3;

// Classic modules (PS3.3 C.7.x): tag → Type.
const CLASSIC: ReadonlyMap<number, AttributeType> = new Map([
  [0x00080012, 3], // Instance Creation Date (SOP Common)
  [0x00080013, 3], // Instance Creation Time
  [0x00080021, 3], // Series Date (General Series)
  [0x00080022, 3], // Acquisition Date (General Image)
  [0x0008002a, 3], // Acquisition DateTime
  [0x00080023, 2], // Content Date (General Image, 2C)
  [0x00080031, 3], // Series Time
  [0x00080032, 3], // Acquisition Time
  [0x00080033, 2], // Content Time (2C)
  [0x00080080, 3], // Institution Name (General Equipment)
  [0x00080082, 3], // Institution Code Sequence
  [0x00081010, 3], // Station Name
  [0x00081070, 3], // Operators' Name (General Series)
  [0x00081072, 3], // Operator Identification Sequence
  [0x00081110, 3], // Referenced Study Sequence (General Study)
  [0x00081111, 3], // Referenced Performed Procedure Step Sequence (General Series)
  [0x00081140, 3], // Referenced Image Sequence (General Image)
  [0x00082112, 3], // Source Image Sequence (General Image)
  [0x00181000, 3], // Device Serial Number
  [0x00181030, 3], // Protocol Name (General Series)
  [0x00181400, 3], // Acquisition Device Processing Description
  [0x0018700a, 3], // Detector ID (DX Detector)
  [0x0018700c, 3], // Date of Last Detector Calibration
  [0x0018700e, 3], // Time of Last Detector Calibration
  [0x00100020, 2], // Patient ID
  [0x00102203, 3], // Patient's Sex Neutered (2C, only for non-human patients)
  [0x00400555, 3], // Acquisition Context Sequence
  [0x0040a032, 3], // Observation DateTime
]);

// Enhanced multi-frame IODs (Enhanced General Equipment C.7.5.2, Enhanced MR/CT Image): Type 1.
const ENHANCED: ReadonlyMap<number, AttributeType> = new Map([
  [0x00080080, 1],
  [0x00181000, 1],
  [0x00080023, 1],
  [0x00080033, 1],
  [0x0008002a, 1],
  [0x00400555, 2], // Acquisition Context Module (Type 2 sequence) in enhanced IODs
]);

// SOP classes whose IOD uses Enhanced General Equipment: enhanced and legacy-converted CT/MR/PET,
// MR spectroscopy and color, US volume, XA/XRF, 3D X-ray and tomosynthesis, segmentation,
// parametric maps and whole slide microscopy (suffixes of 1.2.840.10008.5.1.4.1.1.).
const ENHANCED_SOP_CLASSES = new Set(
  ['2.1', '2.2', '4.1', '4.2', '4.3', '4.4', '128.1', '130', '6.2', '12.1.1', '12.2.1', '13.1.1', '13.1.2', '13.1.3', '13.1.4', '13.1.5', '66.4', '30', '77.1.6'].map(
    (suffix) => `1.2.840.10008.5.1.4.1.1.${suffix}`,
  ),
);

/** Which curated table applies: image IODs only; other IODs (SR, RT, PR, ...) are unknown. */
export type IodKind = 'classic-image' | 'enhanced-image' | 'other';

/** Classifies a dataset from its SOP Class UID and whether it carries Pixel Data. */
export function iodKind(sopClassUid: string | undefined, hasPixelData: boolean): IodKind {
  if (!hasPixelData) return 'other';
  return sopClassUid !== undefined && ENHANCED_SOP_CLASSES.has(sopClassUid) ? 'enhanced-image' : 'classic-image';
}

/** Type of a top-level attribute in the IOD, or undefined when the curated tables do not know. */
export function attributeType(tag: number, kind: IodKind, depth: number): AttributeType | undefined {
  if (depth > 0 || kind === 'other') return undefined;
  if (kind === 'enhanced-image') return ENHANCED.get(tag) ?? CLASSIC.get(tag);
  return CLASSIC.get(tag);
}
