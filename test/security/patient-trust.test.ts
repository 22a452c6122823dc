import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, api, putBatch, signIn, startTestCloud } from '../helpers/cloud-fixture.js';

const obs = (id: number, patient: { mrn: string; name: string; birthDate: string | null }) => ({ id, deviceId: 'm', bedId: 'B1', ts: Date.now() - 1000, patient, vitals: { HR: 70 } });

describe('who may write vitals for which patient: stations are bound to a facility (real PostgreSQL)', () => {
  let cloud: Awaited<ReturnType<typeof startTestCloud>>;
  let adminToken: string;
  let nurseToken: string;
  let north: string;
  let south: string;
  beforeAll(async () => {
    cloud = await startTestCloud();
    adminToken = (await signIn(cloud.url, (await addUser(cloud.service, 'admin')).username)).accessToken;
    nurseToken = (await signIn(cloud.url, (await addUser(cloud.service, 'nurse')).username)).accessToken;
    const a = await api<{ credential: string }>(cloud.url, '/v1/stations', { method: 'POST', token: adminToken, body: { id: 'north-1', name: 'North 1', facility: 'north' } });
    const b = await api<{ credential: string }>(cloud.url, '/v1/stations', { method: 'POST', token: adminToken, body: { id: 'south-1', name: 'South 1', facility: 'south' } });
    north = a.body.credential;
    south = b.body.credential;
  });
  afterAll(() => cloud.stop());

  it("a station cannot write under another facility's patient: its rows are refused with a reason", async () => {
    expect((await putBatch(cloud.url, north, 'n1', { observations: [obs(1, { mrn: 'N-100', name: 'Nora North', birthDate: null })], alarmEvents: [] })).body).toMatchObject({ observations: { stored: 1 } });
    const answer = await putBatch(cloud.url, south, 's1', { observations: [obs(1, { mrn: 'N-100', name: 'Someone Else', birthDate: null })], alarmEvents: [] });
    expect(answer.body).toMatchObject({ observations: { stored: 0 }, refused: [{ id: 1, reason: 'foreign_patient' }] });
    const [row] = await cloud.service.ctx.sql<[{ name: string; n: number }]>`
      SELECT p.name, (SELECT count(*)::int FROM vitals v WHERE v.patient_id = p.id) AS n FROM patients p WHERE mrn = 'N-100'`;
    expect(row).toEqual({ name: 'Nora North', n: 1 });
  });

  it('a patient registered over REST belongs to the main facility: a station of another cannot write under it', async () => {
    await cloud.service.ctx.sql`INSERT INTO patients (mrn, name) VALUES ('REST-1', 'Registered Rita')`;
    const answer = await putBatch(cloud.url, north, 'n2', { observations: [obs(2, { mrn: 'REST-1', name: 'Registered Rita', birthDate: null })], alarmEvents: [] });
    expect(answer.body).toMatchObject({ refused: [{ id: 2, reason: 'foreign_patient' }] });
  });

  it('a conflicting name from the same facility is stored under the MRN and surfaced, not silently merged', async () => {
    const answer = await putBatch(cloud.url, north, 'n3', { observations: [obs(3, { mrn: 'N-100', name: 'Norah Northe', birthDate: '1960-01-01' })], alarmEvents: [] });
    expect(answer.body).toMatchObject({ observations: { stored: 1 } });
    const conflicts = await api<{ items: Array<{ patientId: number; mrn: string; stationId: string; cloudName: string; stationName: string }> }>(cloud.url, '/v1/patients/identity-conflicts', { token: nurseToken });
    expect(conflicts.body.items).toEqual([expect.objectContaining({ mrn: 'N-100', stationId: 'north-1', cloudName: 'Nora North', stationName: 'Norah Northe' })]);
    // Sent again: one open conflict, not two.
    await putBatch(cloud.url, north, 'n4', { observations: [obs(4, { mrn: 'N-100', name: 'Norah Northe', birthDate: '1960-01-01' })], alarmEvents: [] });
    expect((await api<{ items: unknown[] }>(cloud.url, '/v1/patients/identity-conflicts', { token: nurseToken })).body.items).toHaveLength(1);
  });
});
