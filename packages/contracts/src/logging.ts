// Log options every medgrade process passes to pino (no pino import here: plain data and pure
// functions). PHI never reaches a log line: auth headers and any field that can carry patient
// data are censored, and request URLs are logged without their query string (QIDO queries carry
// names and ids).

/** Field paths pino censors, at the top level and one level down. */
export const LOG_REDACT_PATHS: string[] = (() => {
  const headers = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'headers.authorization', 'authorization'];
  const phiFields = [
    'patientName', 'PatientName', 'patientId', 'PatientID', 'patientBirthDate', 'PatientBirthDate', 'birthDate',
    'patientAddress', 'PatientAddress', 'accessionNumber', 'AccessionNumber', 'otherPatientIds', 'OtherPatientIDs',
    'referringPhysicianName', 'ReferringPhysicianName', 'institutionName', 'InstitutionName', 'studyDescription',
    'StudyDescription', 'seriesDescription', 'SeriesDescription', 'freeText', 'comments', 'phi', 'key', 'secret', 'password', 'token',
  ];
  return [...headers, ...phiFields, ...phiFields.map((f) => `*.${f}`)];
})();

interface LoggableRequest {
  method?: string;
  url?: string;
  id?: unknown;
  routeOptions?: { url?: string };
}

/** Request serializer: method, path without query string, matched route. */
export function serializeRequest(req: LoggableRequest): Record<string, unknown> {
  return { method: req.method, path: req.url?.split('?')[0], route: req.routeOptions?.url };
}

/** pino options for a service: JSON lines, level, service name, redaction. */
export function loggerOptions(service: string, level: string) {
  return {
    level,
    base: { service },
    messageKey: 'msg',
    redact: { paths: LOG_REDACT_PATHS, censor: '[REDACTED]' },
    serializers: { req: serializeRequest },
  };
}
