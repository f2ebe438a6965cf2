// check_page.js CHROMIUM PAGE.html REPORT.json - load the page `refagent
// report --html` wrote in a real headless Chromium and check it: no console
// error or exception, nothing fetched, every chart drawn (its marks have a
// size and lie inside the chart), and every number in the page equal to the
// one `refagent report --json` printed.
//
// Chromium is driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: requests on fd 3, answers on fd 4, each a JSON
// text ending in a NUL byte), so nothing but Node itself is needed: no npm
// package, no port, no WebSocket.  Prints one line per failed check and
// exits 1, or prints how many checks passed and exits 0.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [chromium, pagePath, jsonPath] = process.argv.slice(2);
if (!chromium || !pagePath || !jsonPath) {
	console.error('usage: check_page.js CHROMIUM PAGE.html REPORT.json');
	process.exit(2);
}
const report = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
const pageUrl = 'file://' + path.resolve(pagePath);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'refagent-chromium-'));

let failures = 0, passed = 0;
function check(ok, what) {
	if (ok) passed++;
	else { failures++; console.log('browser: FAIL: ' + what); }
}
const near = (a, b) => typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) < 0.006;

// ---- the browser, on a pipe ----
const browser = spawn(chromium, [
	'--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
	'--disable-component-update', '--disable-sync', '--no-first-run',
	'--disable-default-apps', '--disable-extensions', '--mute-audio', '--disable-breakpad',
	'--disable-crash-reporter',
	'--user-data-dir=' + profile, '--remote-debugging-pipe', 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
let stderr = '';
browser.stderr.on('data', (d) => { stderr += d; });
const toBrowser = browser.stdio[3], fromBrowser = browser.stdio[4];

let nextId = 1, inbox = '';
const waiting = new Map(), listeners = [];
fromBrowser.on('data', (chunk) => {
	inbox += chunk.toString('utf8');
	let end;
	while ((end = inbox.indexOf('\0')) >= 0) {
		const msg = JSON.parse(inbox.slice(0, end));
		inbox = inbox.slice(end + 1);
		if (msg.id && waiting.has(msg.id)) {
			const { resolve, reject, method } = waiting.get(msg.id);
			waiting.delete(msg.id);
			if (msg.error) reject(new Error(method + ': ' + msg.error.message));
			else resolve(msg.result);
		} else if (msg.method) {
			for (const l of listeners) l(msg);
		}
	}
});
function send(method, params = {}, sessionId) {
	const id = nextId++;
	const msg = { id, method, params };
	if (sessionId) msg.sessionId = sessionId;
	toBrowser.write(JSON.stringify(msg) + '\0');
	return new Promise((resolve, reject) => waiting.set(id, { resolve, reject, method }));
}
function once(method, timeoutMs) {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('timed out waiting for ' + method)), timeoutMs);
		listeners.push((msg) => {
			if (msg.method === method) { clearTimeout(timer); resolve(msg.params); }
		});
	});
}

// ---- what the page says, read in the page ----
function readPage() {
	const num = (el, a) => (el.hasAttribute(a) ? Number(el.getAttribute(a)) : null);
	// marks with a size, inside their chart's box
	const drawn = (chart, sel) => {
		const svg = document.getElementById(chart);
		if (!svg) return -1;
		const box = svg.getBoundingClientRect();
		return [...svg.querySelectorAll(sel)].filter((e) => {
			const r = e.getBoundingClientRect();
			return (r.width > 0 || r.height > 0) && r.left >= box.left - 1 && r.right <= box.right + 1 &&
				r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
		}).length;
	};
	const marks = (sel) => [...document.querySelectorAll(sel)];
	return {
		title: document.title,
		kpis: Object.fromEntries(marks('.kpi').map((k) => [k.dataset.key, Number(k.dataset.value)])),
		kpiText: Object.fromEntries(marks('.kpi').map((k) => [k.dataset.key, k.querySelector('.v').textContent])),
		funnel: marks('#funnel .stage').map((g) => ({ status: g.dataset.status, value: num(g, 'data-value'),
			label: g.querySelector('text:last-of-type').textContent })),
		months: marks('#monthly .month').map((g) => ({ month: g.dataset.month, referrals: num(g, 'data-referrals'),
			won: num(g, 'data-won'), won_value: num(g, 'data-won-value') })),
		goals: marks('#goals .goal-month').map((g) => ({ kind: g.dataset.kind, month: g.dataset.month,
			actual: num(g, 'data-actual'), goal: num(g, 'data-goal') })),
		goalsNone: !!document.getElementById('goals-none'),
		contact: marks('#first-contact .rep').map((g) => ({ rep: g.dataset.rep,
			median: num(g, 'data-median-hours'), p90: num(g, 'data-p90-hours') })),
		counts: marks('#reminders .count').map((g) => ({ rep: g.dataset.rep, kind: g.dataset.kind,
			value: num(g, 'data-value') })),
		reps: marks('#reps tr[data-rep]').map((tr) => ({ rep: tr.dataset.rep, referrals: num(tr, 'data-referrals'),
			won: num(tr, 'data-won'), conversion: num(tr, 'data-conversion'), waiting: num(tr, 'data-waiting'),
			overdue: num(tr, 'data-overdue'), name: tr.cells[0].firstChild.textContent })),
		referrers: marks('#referrers tr.referrer').map((tr) => ({ referrals: num(tr, 'data-referrals'),
			won: num(tr, 'data-won'), conversion: num(tr, 'data-conversion'), won_value: num(tr, 'data-won-value'),
			rewards_owed: num(tr, 'data-rewards-owed'), rewards_paid: num(tr, 'data-rewards-paid'),
			name: tr.cells[0].firstChild.textContent })),
		drawn: {
			funnel: drawn('funnel', 'rect.bar'),
			monthly: drawn('monthly', 'rect.bar, circle.dot, polyline'),
			'goals-referrals': drawn('goals-referrals', 'rect.bar, line.goal-line'),
			'goals-won': drawn('goals-won', 'rect.bar, line.goal-line'),
			'first-contact': drawn('first-contact', 'rect.bar'),
			reminders: drawn('reminders', 'rect.bar'),
			referrers: [...document.querySelectorAll('#referrers svg rect.bar')].filter((e) =>
				e.getBoundingClientRect().width > 0).length,
		},
		scripts: document.scripts.length,
	};
}

// ---- the comparison ----
function compare(p) {
	const r = report;
	const k = p.kpis;
	check(p.scripts === 0, 'the page has a script');
	check(k.referrals === r.referrals, `kpi referrals ${k.referrals} != ${r.referrals}`);
	check(k.won === r.by_status.won, `kpi won ${k.won} != ${r.by_status.won}`);
	check(p.kpiText.referrals === String(r.referrals), `kpi text ${p.kpiText.referrals}`);
	for (const key of ['won_value', 'conversion', 'rewards_owed', 'rewards_paid', 'overdue_now', 'held_now'])
		check(near(k[key], r[key]), `kpi ${key} ${k[key]} != ${r[key]}`);
	for (const key of ['first_contact_median_hours', 'first_contact_p90_hours'])
		check(r[key] === null ? !(key in k) : near(k[key], r[key]), `kpi ${key} ${k[key]} != ${r[key]}`);

	const statuses = Object.keys(r.by_status);
	check(p.funnel.length === statuses.length, `funnel has ${p.funnel.length} stages, want ${statuses.length}`);
	for (const s of p.funnel) {
		check(s.value === r.by_status[s.status], `funnel ${s.status} ${s.value} != ${r.by_status[s.status]}`);
		check(s.label.startsWith(String(s.value)), `funnel ${s.status} label "${s.label}"`);
	}

	check(p.months.length === r.months.length, `${p.months.length} months, want ${r.months.length}`);
	r.months.forEach((m, i) => {
		const q = p.months[i] || {};
		check(q.month === m.month && q.referrals === m.referrals && q.won === m.won && near(q.won_value, m.won_value),
			`month ${m.month}: page ${JSON.stringify(q)} json ${JSON.stringify(m)}`);
	});

	const goals = r.goals;
	check(p.goalsNone === (goals.referrals_per_month === null && goals.won_per_month === null), 'goals callout');
	for (const [kind, goal, field] of [['referrals', goals.referrals_per_month, 'referrals'], ['won', goals.won_per_month, 'won']]) {
		const g = p.goals.filter((x) => x.kind === kind);
		if (goal === null) { check(g.length === 0, `goals ${kind} drawn without a goal`); continue; }
		check(g.length === r.months.length, `goals ${kind}: ${g.length} months`);
		g.forEach((x, i) => check(x.goal === goal && x.month === r.months[i].month && x.actual === r.months[i][field],
			`goal ${kind} ${x.month}: ${JSON.stringify(x)}`));
	}

	const contacted = r.reps.filter((x) => x.contacted > 0);
	check(p.contact.length === contacted.length, `first contact: ${p.contact.length} reps, want ${contacted.length}`);
	for (const x of contacted) {
		const q = p.contact.find((c) => c.rep === x.email) || {};
		check(near(q.median, x.first_contact_median_hours) && near(q.p90, x.first_contact_p90_hours),
			`first contact of ${x.email}: page ${JSON.stringify(q)} json ${x.first_contact_median_hours}/${x.first_contact_p90_hours}`);
	}
	for (const x of r.reps)
		for (const kind of ['reminders', 'escalations']) {
			const q = p.counts.find((c) => c.rep === x.email && c.kind === kind) || {};
			check(q.value === x[kind], `${kind} of ${x.email}: ${q.value} != ${x[kind]}`);
		}
	check(p.reps.length === r.reps.length, `${p.reps.length} rep rows, want ${r.reps.length}`);
	r.reps.forEach((x, i) => {
		const q = p.reps[i] || {};
		check(q.rep === x.email && q.referrals === x.referrals && q.won === x.won && near(q.conversion, x.conversion) &&
			q.waiting === x.waiting && q.overdue === x.overdue && q.name === (x.name || x.email),
			`rep row ${i}: page ${JSON.stringify(q)} json ${JSON.stringify(x)}`);
	});

	check(p.referrers.length === r.top_referrers.length, `${p.referrers.length} referrers, want ${r.top_referrers.length}`);
	r.top_referrers.forEach((t, i) => {
		const q = p.referrers[i] || {};
		check(q.referrals === t.referrals && q.won === t.won && near(q.conversion, t.conversion) &&
			near(q.won_value, t.won_value) && near(q.rewards_owed, t.rewards_owed) &&
			near(q.rewards_paid, t.rewards_paid) && q.name === (t.name || t.email || '-'),
			`referrer ${i}: page ${JSON.stringify(q)} json ${JSON.stringify(t)}`);
	});

	const want = { funnel: statuses.length, monthly: 2 * r.months.length + 1,
		reminders: 2 * r.reps.length, 'first-contact': 2 * contacted.length, referrers: r.top_referrers.length };
	if (goals.referrals_per_month !== null) want['goals-referrals'] = r.months.length + 1;
	if (goals.won_per_month !== null) want['goals-won'] = r.months.length + 1;
	for (const [chart, n] of Object.entries(want))
		check(p.drawn[chart] === n && n > 0, `chart ${chart}: ${p.drawn[chart]} marks drawn inside it, want ${n}`);
}

async function main() {
	const problems = [];
	const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
	const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
	listeners.push((msg) => {
		if (msg.sessionId !== sessionId) return;
		const p = msg.params;
		if (msg.method === 'Runtime.exceptionThrown')
			problems.push('exception: ' + p.exceptionDetails.text);
		else if (msg.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'assert'))
			problems.push('console.' + p.type + ': ' + p.args.map((a) => a.value).join(' '));
		else if (msg.method === 'Log.entryAdded' && p.entry.level === 'error')
			problems.push(`console ${p.entry.level} (${p.entry.source}): ${p.entry.text}`);
		else if (msg.method === 'Network.requestWillBeSent' && p.request.url !== pageUrl)
			problems.push('fetched ' + p.request.url);
	});
	for (const domain of ['Page', 'Runtime', 'Log', 'Network'])
		await send(domain + '.enable', {}, sessionId);
	await send('Emulation.setDeviceMetricsOverride', { width: 1200, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId);
	const loaded = once('Page.loadEventFired', 20000);
	const nav = await send('Page.navigate', { url: pageUrl }, sessionId);
	check(!nav.errorText, 'navigate: ' + nav.errorText);
	await loaded;
	// let late console messages (CSS, SVG attribute errors) arrive
	await new Promise((r) => setTimeout(r, 300));
	const res = await send('Runtime.evaluate', { expression: '(' + readPage.toString() + ')()', returnByValue: true }, sessionId);
	if (res.exceptionDetails) throw new Error('reading the page: ' + res.exceptionDetails.text);
	check(problems.length === 0, 'the page logged: ' + problems.join('; '));
	compare(res.result.value);
	await send('Browser.close').catch(() => {});
}

// Ends the run once the browser is gone (its profile folder is then ours
// to remove).
let exited = false;
browser.on('exit', () => { exited = true; });
function finish(code, message) {
	if (message) console.log(message);
	const done = () => {
		// its helper processes may write a moment longer
		try { fs.rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }); } catch (e) { /* a temporary folder */ }
		if (code === 0) console.log(`browser: ${passed} checks passed`);
		process.exit(code);
	};
	if (exited) return done();
	browser.on('exit', done);
	browser.kill(code ? 'SIGKILL' : 'SIGTERM');
}

const deadline = setTimeout(() => finish(1, 'browser: FAIL: timed out; chromium said: ' + stderr.slice(-800)), 60000);
browser.on('error', (e) => finish(1, 'browser: FAIL: cannot start ' + chromium + ': ' + e.message));
main().then(() => {
	clearTimeout(deadline);
	finish(failures ? 1 : 0);
}, (e) => {
	clearTimeout(deadline);
	finish(1, 'browser: FAIL: ' + e.message + (stderr ? '\nchromium: ' + stderr.slice(-800) : ''));
});
