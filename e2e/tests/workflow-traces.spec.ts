// Named workflow-*: it runs after the tests that expect an empty console.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pageAs, sameSite, signedWithCli, watchConsole } from './helpers';

const bin = process.env.CUSTODY_BIN ?? 'custody';
const AGENT = 'spiffe://e2e.example/agents/refund-agent';

/** The agent's own signed record: two tool calls, each with its call id. */
function signedRecord() {
  const human = { type: 'human', id: 'mara@e2e.example', name: 'Mara' };
  const agent = { type: 'agent', id: AGENT, name: 'refund-agent' };
  const hash = (text: string) => 'sha256:' + crypto.createHash('sha256').update(text).digest('hex');
  const call = (id: string, time: string, name: string, callId: string, args: object) => ({
    emitter: AGENT, time, id, kind: 'tool.call', actor: agent, initiator: human,
    tool: { name, argumentsHash: hash(JSON.stringify(args)), arguments: args, callId },
  });
  return signedWithCli('traces', AGENT, [
    { emitter: AGENT, time: '2026-06-01T10:00:00Z', id: 'ask', kind: 'request', actor: human },
    call('c1', '2026-06-01T10:00:04Z', 'lookup_order', 'call_A1', { order: 'o-1' }),
    call('c2', '2026-06-01T10:00:09Z', 'issue_refund', 'call_B2', { order: 'o-1', amount: '42.00' }),
    { emitter: AGENT, time: '2026-06-01T10:00:30Z', id: 'done', kind: 'system', actor: agent },
  ], '2026-06-01T10:01:00Z');
}

/** The same run as the agent framework's OpenTelemetry exporter sends it (OTLP/JSON),
 *  with one call more than the signed record has. */
function otlp() {
  const s = (v: string) => ({ stringValue: v });
  const ns = (sec: number) => (BigInt(Date.parse('2026-06-01T10:00:00Z')) * 1_000_000n + BigInt(sec) * 1_000_000_000n).toString();
  const tool = (spanId: string, name: string, callId: string, from: number) => ({
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId, parentSpanId: 'b7ad6b7169203331', name: `execute_tool ${name}`, kind: 1,
    startTimeUnixNano: ns(from), endTimeUnixNano: ns(from + 1),
    attributes: [
      { key: 'gen_ai.operation.name', value: s('execute_tool') },
      { key: 'gen_ai.agent.id', value: s(AGENT) },
      { key: 'gen_ai.tool.name', value: s(name) },
      { key: 'gen_ai.tool.call.id', value: s(callId) },
    ],
  });
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: s('refund-agent') }] },
      scopeSpans: [{ scope: { name: 'agents' }, spans: [
        { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: 'b7ad6b7169203331', name: 'invoke_agent refund-agent', kind: 1,
          startTimeUnixNano: ns(0), endTimeUnixNano: ns(30),
          attributes: [{ key: 'gen_ai.operation.name', value: s('invoke_agent') }, { key: 'gen_ai.agent.id', value: s(AGENT) }] },
        tool('d2f4b6a8c0e1f3a5', 'lookup_order', 'call_A1', 4),
        tool('e3a5c7b9d1f2a4b6', 'export_customers', 'call_X9', 7),
        tool('f4b6d8c0e2a3b5c7', 'issue_refund', 'call_B2', 9),
      ] }],
    }],
  };
}

test('traces an exporter sends with a machine token are attested, badged and reconciled with the signed record', async ({ browser, page, request }) => {
  test.setTimeout(120_000);
  const problems = watchConsole(page);
  const { file, root } = signedRecord();
  const dir = path.dirname(file);
  const admin = await pageAs(browser, 'admin');
  // Other tests expect a server that trusts no root: the root goes when this test ends.
  await admin.request.post('/api/trust-roots/add', { form: { key: root, label: 'e2e root' }, headers: sameSite });
  try {
    // The agent's signed record, uploaded.
    const stored = await request.post('/api/bundles?name=refund-record.bundle.json', {
      data: fs.readFileSync(file), headers: { ...sameSite, 'content-type': 'application/json' },
    });
    expect(stored.status()).toBe(200);
    const { incident_id: incident, sha256: signedSha } = await stored.json();

    // The admin certifies the collector with the organisation's root, on the Settings page.
    await admin.goto('/settings');
    const key = (await admin.getByTestId('collector-key').textContent())!.trim();
    await expect(admin.getByTestId('collector-state')).toContainText('not certified');
    // As the Settings page says: valid from before the earliest span it will seal.
    const command = (await admin.getByRole('region', { name: 'Collector' }).locator('pre').textContent())!;
    expect(command).toContain('--not-before 2000-01-01T00:00:00Z');
    const binding = execFileSync(bin, ['trust', '--root', 'root.key', '--key', key, '--subject', 'custody-collector',
      '--not-before', '2000-01-01T00:00:00Z'], { cwd: dir }).toString();
    await admin.getByTestId('certify-collector').locator('textarea').fill(binding);
    await admin.getByRole('button', { name: 'Certify the collector' }).click();
    await expect(admin.getByTestId('collector-state')).toContainText('certified by root');

    // ...and makes a token for the exporter, scoped to the incident, on the Users page.
    await admin.goto('/users');
    const form = admin.getByTestId('add-token');
    await form.locator('input[name=name]').fill('e2e-exporter');
    await form.locator('input[name=incident]').fill(String(incident));
    await form.getByRole('button', { name: 'Make token' }).click();
    const secret = (await admin.getByTestId('token-secret-value').textContent())!.trim();
    await expect(admin.locator('[data-token="e2e-exporter"]')).toContainText(`incident #${incident}`);

    // The exporter sends its traces with the token: no session, no cookie.
    const sent = await request.post('/v1/traces', {
      data: JSON.stringify(otlp()),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}`, cookie: '' },
    });
    expect(sent.status()).toBe(200);
    expect(sent.headers()['x-custody-incident']).toBe(String(incident));
    const tracesSha = sent.headers()['x-custody-bundle'];

    // The incident names who vouches for each bundle, and finds the call on one side only.
    await page.goto(`/incidents/${incident}`);
    const bundles = page.getByTestId('incident-bundles');
    await expect(bundles.locator('[data-provenance=signed]')).toHaveCount(1);
    await expect(bundles.locator('[data-provenance=attested]')).toContainText('attested by the collector on receipt');
    await expect(page.getByText('Call recorded on one side only').first()).toBeVisible();

    // The traces' timeline: hollow marks, reconciled and unreconciled calls.
    await page.goto(`/bundles/${tracesSha}`);
    await expect(page.getByTestId('browser-verdict')).toHaveAttribute('data-status', 'verified', { timeout: 30_000 });
    await expect(page.locator('[data-mark][data-provenance=attested]').first()).toBeVisible();
    await expect(page.locator('[data-mark][data-provenance=signed]')).toHaveCount(0);
    await expect(page.locator('[data-reconciled=matched]')).toHaveCount(2);
    await expect(page.locator('[data-reconciled=unreconciled]')).toHaveCount(1);
    await expect(page.getByTestId('reconciliation-summary')).toHaveText('2 calls reconciled with the other side; 1 missing from it.');
    const missing = page.locator('[data-counterpart=unreconciled]');
    await expect(missing).toContainText(`not in ${signedSha.slice(0, 12)}`);
    await missing.getByRole('button').click();
    await expect(page.getByTestId('inspector-provenance')).toContainText('attested by the collector on receipt');
    await expect(page.getByTestId('inspector')).toContainText('received over otlp');
    await expect(page.getByTestId('inspector')).toContainText('call_X9');

    // A matched call leads to its counterpart in the signed record.
    const matched = page.locator('[data-counterpart=matched]').first();
    await matched.getByRole('button').click();
    await expect(page.getByTestId('inspector-counterpart')).toContainText('signed by its emitter; same call id');
    await matched.getByRole('link', { name: 'open the other event' }).click();
    await expect(page).toHaveURL(new RegExp(`/bundles/${signedSha}`));
    await expect(page.getByTestId('inspector-provenance')).toContainText('signed by its emitter', { timeout: 30_000 });
    await expect(page.getByTestId('inspector-counterpart')).toContainText('attested by the collector on receipt');
    await page.screenshot({ path: 'e2e/test-results/traces-signed-record.png', fullPage: true });

    // Every step is in the review log, which still checks out: the token's use under
    // its name, the collector's certification as a setting.
    const integrity = await (await admin.request.post('/api/review-log/integrity', { headers: sameSite })).json();
    expect(integrity.problems).toEqual([]);
    await admin.goto('/review-log?action=upload');
    await expect(admin.getByTestId('review-log')).toContainText('token:e2e-exporter');
    await admin.goto('/review-log?action=token.create');
    await expect(admin.getByTestId('review-log')).toContainText('made machine token e2e-exporter');
  } finally {
    await admin.request.post('/api/trust-roots/remove', { form: { key: root }, headers: sameSite });
  }
  expect(problems).toEqual([]);
});
