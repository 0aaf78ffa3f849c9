import type { SyntheticStudy } from './study.ts';

/** CR Image Storage: the Computed Radiography IOD (PS3.3 A.2), whose modules we fill in full. */
export const CR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.1';

/** One header element: numeric tag, VR and value, in the shape `createDicom` takes. */
export interface HeaderElement {
  tag: number;
  vr: 'AE' | 'AS' | 'CS' | 'DA' | 'DS' | 'IS' | 'LO' | 'PN' | 'SH' | 'ST' | 'TM' | 'UI' | 'US' | 'OW';
  value: string | string[] | number | number[] | Uint8Array;
}

const ds = (n: number): string => String(Number(n.toFixed(4)));

function patientAndStudy(s: SyntheticStudy): HeaderElement[] {
  return [
    { tag: 0x00080020, vr: 'DA', value: s.studyDate }, // StudyDate
    { tag: 0x00080021, vr: 'DA', value: s.studyDate }, // SeriesDate
    { tag: 0x00080023, vr: 'DA', value: s.studyDate }, // ContentDate
    { tag: 0x00080030, vr: 'TM', value: s.studyTime }, // StudyTime
    { tag: 0x00080031, vr: 'TM', value: s.studyTime }, // SeriesTime
    { tag: 0x00080033, vr: 'TM', value: s.studyTime }, // ContentTime
    { tag: 0x00080050, vr: 'SH', value: s.accession }, // AccessionNumber
    { tag: 0x00080060, vr: 'CS', value: 'CR' }, // Modality
    { tag: 0x00080070, vr: 'LO', value: s.site.manufacturer },
    { tag: 0x00080080, vr: 'LO', value: s.site.institution },
    { tag: 0x00080081, vr: 'ST', value: s.site.address },
    { tag: 0x00080090, vr: 'PN', value: s.physician }, // ReferringPhysicianName
    { tag: 0x00081010, vr: 'SH', value: s.site.station },
    { tag: 0x00081030, vr: 'LO', value: 'XR CHEST PA' }, // StudyDescription
    { tag: 0x0008103e, vr: 'LO', value: 'CHEST PA' }, // SeriesDescription
    { tag: 0x00081090, vr: 'LO', value: s.site.model },
    { tag: 0x00100010, vr: 'PN', value: s.patient.name },
    { tag: 0x00100020, vr: 'LO', value: s.patient.id },
    { tag: 0x00100030, vr: 'DA', value: s.patient.birthDate },
    { tag: 0x00100040, vr: 'CS', value: s.patient.sex },
    { tag: 0x00101010, vr: 'AS', value: `${String(s.patient.age).padStart(3, '0')}Y` },
  ];
}

function equipmentAndSeries(s: SyntheticStudy): HeaderElement[] {
  return [
    { tag: 0x00180015, vr: 'CS', value: 'CHEST' }, // BodyPartExamined
    { tag: 0x00181020, vr: 'LO', value: s.site.softwareVersion },
    { tag: 0x00180060, vr: 'DS', value: ds(s.site.kvp) }, // KVP
    { tag: 0x00181164, vr: 'DS', value: [ds(s.site.pixelSpacing), ds(s.site.pixelSpacing)] }, // ImagerPixelSpacing
    { tag: 0x00185101, vr: 'CS', value: 'PA' }, // ViewPosition
    { tag: 0x0020000d, vr: 'UI', value: s.uids.study },
    { tag: 0x0020000e, vr: 'UI', value: s.uids.series },
    { tag: 0x00200010, vr: 'SH', value: String(1000 + (s.index % 9000)) }, // StudyID
    { tag: 0x00200011, vr: 'IS', value: '1' }, // SeriesNumber
    { tag: 0x00200013, vr: 'IS', value: '1' }, // InstanceNumber
    { tag: 0x00200020, vr: 'CS', value: ['L', 'F'] }, // PatientOrientation (PA: patient's left on the image right)
  ];
}

function imagePixel(s: SyntheticStudy): HeaderElement[] {
  const bits = s.site.bitsStored;
  return [
    { tag: 0x00280002, vr: 'US', value: 1 }, // SamplesPerPixel
    { tag: 0x00280004, vr: 'CS', value: s.site.photometric },
    { tag: 0x00280010, vr: 'US', value: s.rows },
    { tag: 0x00280011, vr: 'US', value: s.columns },
    { tag: 0x00280100, vr: 'US', value: 16 }, // BitsAllocated
    { tag: 0x00280101, vr: 'US', value: bits }, // BitsStored
    { tag: 0x00280102, vr: 'US', value: bits - 1 }, // HighBit
    { tag: 0x00280103, vr: 'US', value: 0 }, // PixelRepresentation: unsigned
    { tag: 0x00281050, vr: 'DS', value: ds(s.windowCenter) },
    { tag: 0x00281051, vr: 'DS', value: ds(s.windowWidth) },
    { tag: 0x00281052, vr: 'DS', value: ds(s.site.rescaleIntercept) },
    { tag: 0x00281053, vr: 'DS', value: ds(s.site.rescaleSlope) },
    { tag: 0x00281054, vr: 'LO', value: 'US' }, // RescaleType: unspecified
    { tag: 0x7fe00010, vr: 'OW', value: new Uint8Array(s.pixels.buffer, s.pixels.byteOffset, s.pixels.byteLength) },
  ];
}

/** The full CR header (patient, study, series, equipment, image, VOI LUT, SOP common), tag-sorted. */
export function crHeader(s: SyntheticStudy): HeaderElement[] {
  const sop: HeaderElement[] = [
    { tag: 0x00080005, vr: 'CS', value: 'ISO_IR 192' }, // SpecificCharacterSet: names carry accents
    { tag: 0x00080008, vr: 'CS', value: ['ORIGINAL', 'PRIMARY'] }, // ImageType
    { tag: 0x00080016, vr: 'UI', value: CR_IMAGE_STORAGE },
    { tag: 0x00080018, vr: 'UI', value: s.uids.sop },
  ];
  return [...sop, ...patientAndStudy(s), ...equipmentAndSeries(s), ...imagePixel(s)].sort((a, b) => a.tag - b.tag);
}
