// Drives the official Telnyx Node SDK against the Rooms emulator, for tests/test_official_sdks.py.
//
// The SDK reads the emulator's URL and key from TELNYX_BASE_URL and TELNYX_API_KEY. The script
// first makes the call of the vendor's "Create a room" page exactly as written there, then
// lists what the SDK's room resources offer, then runs a plan of calls read from standard input
// (a JSON array of {"call": "rooms.sessions.list0", "ids": [...], "params": {...} | null}).
// Each step prints one JSON line: {"step": ..., "result": ...} or {"step": ..., "error": ...}.

import Telnyx from 'telnyx';

function emit(step, outcome) {
  process.stdout.write(JSON.stringify({ step, ...outcome }) + '\n');
}

function failure(error) {
  return {
    name: error?.constructor?.name ?? typeof error,
    status: error?.status ?? null,
    message: String(error?.message ?? error),
  };
}

// What an awaited SDK call returned, as plain JSON: a page as its data and meta.
function plain(result) {
  if (result === undefined || result === null) {
    return null;
  }
  if (typeof result.getPaginatedItems === 'function') {
    return { data: result.data, meta: result.meta };
  }
  return result;
}

// -- the seed page's call, as written ------------------------------------------------------------

const client = new Telnyx({
  apiKey: process.env['TELNYX_API_KEY'], // This is the default and can be omitted
});

const room = await client.rooms.create();
emit('seed', { result: room });

// -- what the SDK has ----------------------------------------------------------------------------

const RESOURCES = [
  'rooms',
  'rooms.actions',
  'rooms.sessions',
  'rooms.sessions.actions',
  'roomParticipants',
  'roomRecordings',
  'roomCompositions',
];

function resolve(path) {
  return path.split('.').reduce((owner, name) => owner[name], client);
}

const inventory = {};
for (const path of RESOURCES) {
  const proto = Object.getPrototypeOf(resolve(path));
  inventory[path] = Object.getOwnPropertyNames(proto)
    .filter((name) => name !== 'constructor' && typeof proto[name] === 'function')
    .sort();
}
emit('inventory', { result: inventory });

// -- the plan ------------------------------------------------------------------------------------

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}
const plan = JSON.parse(Buffer.concat(chunks).toString('utf8'));

for (const { call, ids, params } of plan) {
  const parts = call.split('.');
  const owner = resolve(parts.slice(0, -1).join('.'));
  const method = owner[parts[parts.length - 1]];
  const args = params === null ? [...ids] : [...ids, params];
  try {
    emit(call, { result: plain(await method.apply(owner, args)) });
  } catch (error) {
    emit(call, { error: failure(error) });
  }
}
