// The study browser's search form as QIDO-RS match keys, and reading DICOM JSON (PS3.18 F.2)
// values back: attribute values, person names, and the de-identification method codes
// (DeidentificationMethodCodeSequence, CID 7050) of an instance's metadata.
import type { DicomJsonDataset, DicomwebSearchStudiesData } from '@medgrade/sdk';

export interface StudySearch {
  patientId: string;
  patientName: string;
  fuzzy: boolean;
  modality: string;
  /** yyyy-mm-dd (an <input type=date> value) or ''. */
  dateFrom: string;
  dateTo: string;
  accession: string;
  studyUid: string;
  description: string;
}

export const EMPTY_SEARCH: StudySearch = { patientId: '', patientName: '', fuzzy: false, modality: '', dateFrom: '', dateTo: '', accession: '', studyUid: '', description: '' };

const TAGS = {
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  SOPInstanceUID: '00080018',
  StudyDate: '00080020',
  AccessionNumber: '00080050',
  ModalitiesInStudy: '00080061',
  Modality: '00080060',
  StudyDescription: '00081030',
  SeriesDescription: '0008103E',
  PatientName: '00100010',
  PatientID: '00100020',
  PatientSex: '00100040',
  SeriesNumber: '00200011',
  InstanceNumber: '00200013',
  NumberOfStudyRelatedSeries: '00201206',
  NumberOfStudyRelatedInstances: '00201208',
  NumberOfSeriesRelatedInstances: '00201209',
  PatientIdentityRemoved: '00120062',
  DeidentificationMethod: '00120063',
  DeidentificationMethodCodeSequence: '00120064',
  CodeValue: '00080100',
  CodingSchemeDesignator: '00080102',
  CodeMeaning: '00080104',
} as const;
export type Keyword = keyof typeof TAGS;

const dicomDate = (value: string) => value.replaceAll('-', '');

/** QIDO-RS query for the form: empty fields are left out; a date range is `from-to` (either end open). */
export function qidoQuery(search: StudySearch, limit = 50): NonNullable<DicomwebSearchStudiesData['query']> {
  const query: NonNullable<DicomwebSearchStudiesData['query']> = { limit, includefield: ['StudyDescription', 'NumberOfStudyRelatedInstances'] };
  const set = (key: 'PatientID' | 'PatientName' | 'ModalitiesInStudy' | 'AccessionNumber' | 'StudyInstanceUID' | 'StudyDescription', value: string) => {
    if (value.trim()) query[key] = value.trim();
  };
  set('PatientID', search.patientId);
  set('PatientName', search.patientName);
  set('ModalitiesInStudy', search.modality.toUpperCase());
  set('AccessionNumber', search.accession);
  set('StudyInstanceUID', search.studyUid);
  set('StudyDescription', search.description);
  if (search.patientName.trim() && search.fuzzy) query.fuzzymatching = 'true';
  if (search.dateFrom || search.dateTo) query.StudyDate = `${dicomDate(search.dateFrom)}-${dicomDate(search.dateTo)}`;
  return query;
}

type Element = DicomJsonDataset[string];

function element(dataset: DicomJsonDataset, keyword: Keyword): Element | undefined {
  return dataset[TAGS[keyword]];
}

/** First value of an attribute as text (person names: their alphabetic form), or ''. */
export function value(dataset: DicomJsonDataset, keyword: Keyword): string {
  const values = element(dataset, keyword)?.['Value'];
  if (!Array.isArray(values) || values.length === 0) return '';
  const first: unknown = values[0];
  if (first && typeof first === 'object' && 'Alphabetic' in first) return String((first as { Alphabetic: unknown }).Alphabetic ?? '');
  return first === null || first === undefined ? '' : String(first);
}

/** Every value of a multi-valued attribute, as text. */
export function values(dataset: DicomJsonDataset, keyword: Keyword): string[] {
  const list = element(dataset, keyword)?.['Value'];
  return Array.isArray(list) ? list.filter((v) => v !== null && v !== undefined).map(String) : [];
}

export interface MethodCode {
  value: string;
  scheme: string;
  meaning: string;
}

/** The CID 7050 codes of DeidentificationMethodCodeSequence (0012,0064). */
export function methodCodes(dataset: DicomJsonDataset): MethodCode[] {
  const items = element(dataset, 'DeidentificationMethodCodeSequence')?.['Value'];
  if (!Array.isArray(items)) return [];
  return items
    .filter((item): item is DicomJsonDataset => Boolean(item) && typeof item === 'object')
    .map((item) => ({ value: value(item, 'CodeValue'), scheme: value(item, 'CodingSchemeDesignator'), meaning: value(item, 'CodeMeaning') }));
}

/** yyyymmdd → yyyy-mm-dd for display (other text unchanged). */
export function displayDate(date: string): string {
  return /^\d{8}$/.test(date) ? `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6)}` : date;
}
