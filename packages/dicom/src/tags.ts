/** Tag helpers: tags are uint32 `(group << 16) | element`, printed as `(gggg,eeee)`. */
export function tag(group: number, element: number): number {
  return ((group << 16) | element) >>> 0;
}

const FORMATTED = new Map<number, string>();
const FORMATTED_MAX = 8192; // reports name the same few hundred tags; hostile input cannot grow it past this

/** `(0010,0010)` form, for messages and reports (tags are not PHI). */
export function formatTag(t: number): string {
  const known = FORMATTED.get(t);
  if (known !== undefined) return known;
  const hex = (t >>> 0).toString(16).toUpperCase().padStart(8, '0');
  const text = `(${hex.slice(0, 4)},${hex.slice(4)})`;
  if (FORMATTED.size < FORMATTED_MAX) FORMATTED.set(t, text);
  return text;
}

/** Parses `(0010,0010)`, `0010,0010` or `00100010`. */
export function parseTag(text: string): number {
  const hex = text.replace(/[(),\s]/g, '');
  if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw new Error(`not a DICOM tag: ${text}`);
  return Number.parseInt(hex, 16) >>> 0;
}

/** Group and element numbers of a tag. */
export const groupOf = (t: number): number => t >>> 16;
export const elementOf = (t: number): number => t & 0xffff;
/** Odd groups are private (PS3.5 7.8); groups 1, 3, 5, 7 and FFFF are illegal but odd too. */
export const isPrivateTag = (t: number): boolean => (groupOf(t) & 1) === 1;
/** Private creator element (gggg,0010-00FF) that reserves a block in an odd group. */
export const isPrivateCreator = (t: number): boolean => isPrivateTag(t) && elementOf(t) >= 0x10 && elementOf(t) <= 0xff;

/** Tags this package itself needs; consumers use the dictionary (`tagOf('PatientName')`) for the rest. */
export const Tags = {
  FileMetaInformationGroupLength: 0x00020000,
  FileMetaInformationVersion: 0x00020001,
  MediaStorageSOPClassUID: 0x00020002,
  MediaStorageSOPInstanceUID: 0x00020003,
  TransferSyntaxUID: 0x00020010,
  ImplementationClassUID: 0x00020012,
  ImplementationVersionName: 0x00020013,
  SpecificCharacterSet: 0x00080005,
  SOPClassUID: 0x00080016,
  SOPInstanceUID: 0x00080018,
  SamplesPerPixel: 0x00280002,
  PhotometricInterpretation: 0x00280004,
  PlanarConfiguration: 0x00280006,
  NumberOfFrames: 0x00280008,
  Rows: 0x00280010,
  Columns: 0x00280011,
  BitsAllocated: 0x00280100,
  BitsStored: 0x00280101,
  HighBit: 0x00280102,
  PixelRepresentation: 0x00280103,
  RescaleIntercept: 0x00281052,
  RescaleSlope: 0x00281053,
  PixelData: 0x7fe00010,
  Item: 0xfffee000,
  ItemDelimitationItem: 0xfffee00d,
  SequenceDelimitationItem: 0xfffee0dd,
} as const;
