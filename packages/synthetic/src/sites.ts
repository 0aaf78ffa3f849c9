/**
 * Simulated acquisition sites. Each differs the way real hospitals do: vendor, detector size,
 * bit depth, photometric interpretation, rescale, contrast curve and noise, so a model must learn
 * the anatomy rather than one site's look, and per-site metrics reveal when it does not.
 */
export interface Site {
  id: string;
  institution: string;
  address: string;
  station: string;
  manufacturer: string;
  model: string;
  softwareVersion: string;
  rows: number;
  columns: number;
  /** mm per detector pixel. */
  pixelSpacing: number;
  bitsStored: number;
  photometric: 'MONOCHROME1' | 'MONOCHROME2';
  rescaleSlope: number;
  rescaleIntercept: number;
  /** Exponent applied to the [0, 1] attenuation image (detector/processing look). */
  gamma: number;
  /** Standard deviation of additive noise on the [0, 1] scale. */
  noise: number;
  kvp: number;
}

export const SITES: readonly Site[] = [
  {
    id: 'northgate',
    institution: 'Northgate General Hospital',
    address: '1200 Northgate Avenue, Springfield',
    station: 'NGH-CR01',
    manufacturer: 'Carestream Health',
    model: 'DRX-Evolution',
    softwareVersion: '5.7.412',
    rows: 256,
    columns: 256,
    pixelSpacing: 1.68,
    bitsStored: 12,
    photometric: 'MONOCHROME2',
    rescaleSlope: 1,
    rescaleIntercept: 0,
    gamma: 1.0,
    noise: 0.015,
    kvp: 120,
  },
  {
    id: 'riverside',
    institution: 'Riverside Community Hospital',
    address: '48 River Road, Millbrook',
    station: 'RCH-XR2',
    manufacturer: 'FUJIFILM Corporation',
    model: 'FCR Capsula XLII',
    softwareVersion: 'A08-21',
    rows: 240,
    columns: 200,
    pixelSpacing: 1.75,
    bitsStored: 10,
    photometric: 'MONOCHROME1',
    rescaleSlope: 1,
    rescaleIntercept: 0,
    gamma: 0.8,
    noise: 0.03,
    kvp: 110,
  },
  {
    id: 'stelm',
    institution: 'St. Elm Medical Center',
    address: '7 Elm Street, Oakdale',
    station: 'SEMC-DR3',
    manufacturer: 'Philips Medical Systems',
    model: 'DigitalDiagnost',
    softwareVersion: '4.3.5',
    rows: 224,
    columns: 224,
    pixelSpacing: 1.9,
    bitsStored: 14,
    photometric: 'MONOCHROME2',
    rescaleSlope: 0.5,
    rescaleIntercept: -1024,
    gamma: 1.25,
    noise: 0.022,
    kvp: 125,
  },
];
