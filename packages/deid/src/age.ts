// DICOM Age String (AS, "nnnD|W|M|Y") parsing, the HIPAA Safe Harbor cap and report age bands.

/** Age in years from an AS value, or undefined when it is not a valid age string. */
export function ageYears(as: string): number | undefined {
  const m = /^(\d{3})([DWMY])$/.exec(as.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] as 'D' | 'W' | 'M' | 'Y';
  const perYear = { D: 365.25, W: 52.18, M: 12, Y: 1 }[unit];
  return n / perYear;
}

/**
 * Ages above 89 identify (HIPAA Safe Harbor 164.514(b)(2)(i)(C)): they are written as "090Y".
 * Valid younger ages are kept as written; invalid strings return undefined (caller removes).
 */
export function capAge(as: string): string | undefined {
  const years = ageYears(as);
  if (years === undefined) return undefined;
  return years >= 90 ? '090Y' : as.trim();
}

/** Age in whole years between a birth date and a reference date (both YYYYMMDD). */
export function ageFromDates(birth: string, at: string): number | undefined {
  if (!/^\d{8}$/.test(birth) || !/^\d{8}$/.test(at)) return undefined;
  const years = Number(at.slice(0, 4)) - Number(birth.slice(0, 4));
  const beforeBirthday = at.slice(4) < birth.slice(4);
  const age = beforeBirthday ? years - 1 : years;
  return age >= 0 && age < 150 ? age : undefined;
}

/** Report age band: "0-9", "10-19", ... "80-89", "90+". */
export function ageBand(years: number): string {
  if (years >= 90) return '90+';
  const low = Math.floor(years / 10) * 10;
  return `${low}-${low + 9}`;
}
