/** The one office the security tests run: New York, with the replicas a test gives it. */
export function nycOffice(replicas: ReadonlyArray<{ readonly id: string; readonly host: string; readonly port: number }>) {
  return {
    id: 'nyc',
    name: 'New York',
    timeZone: 'America/New_York',
    workHours: { start: '09:00', end: '17:00' },
    workDays: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
    lunch: { start: '12:00', end: '13:00' },
    replicas,
  }
}
