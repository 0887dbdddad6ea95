export const id = 146;
export const ids = [146];
export const modules = {

/***/ 1146:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  manage: () => (/* reexport */ manage),
  run: () => (/* reexport */ run_run)
});

// EXTERNAL MODULE: external "node:events"
var external_node_events_ = __webpack_require__(8474);
// EXTERNAL MODULE: ./src/analysis/engine.ts
var engine = __webpack_require__(474);
// EXTERNAL MODULE: ./src/analysis/run.ts
var run = __webpack_require__(795);
// EXTERNAL MODULE: ./src/config-error.ts
var config_error = __webpack_require__(2386);
// EXTERNAL MODULE: ./src/plan/instantiate.ts
var instantiate = __webpack_require__(1883);
// EXTERNAL MODULE: ./src/inputs.ts
var inputs = __webpack_require__(8422);
;// CONCATENATED MODULE: ./src/kube/args.ts
// Args whose values live in the cluster (valueFrom): a Secret's key, the pod-template hash of the
// stable or canary revision, or a field of the Rollout. Read once per analysis, before it starts.


function fieldOf(state, fieldPath) {
    const simple = { 'metadata.name': state.name, 'metadata.namespace': state.namespace };
    if (fieldPath in simple)
        return { value: simple[fieldPath], source: `field ${fieldPath}` };
    const keyed = /^metadata\.(labels|annotations)\[['"](.+)['"]\]$/.exec(fieldPath);
    if (keyed) {
        const map = keyed[1] === 'labels' ? state.labels : state.annotations;
        const value = map[keyed[2]];
        return value === undefined ? { problem: `the Rollout has no ${keyed[1].slice(0, -1)} "${keyed[2]}"` } : { value, source: `field ${fieldPath}` };
    }
    return { problem: `fieldRef ${fieldPath} is not supported (metadata.name, metadata.namespace, metadata.labels['…'], metadata.annotations['…'])` };
}
async function secretOf(kubectl, namespace, ref, secrets) {
    const problem = (0,inputs/* checkKubernetesName */.qi)(ref.name, 'name');
    if (problem)
        return { problem: `secretKeyRef name ${problem}` };
    try {
        const secret = await kubectl.readJson(['get', 'secret', ref.name, '-n', namespace]);
        const encoded = secret.data?.[ref.key];
        if (encoded === undefined)
            return { problem: `secret ${ref.name} has no key "${ref.key}"` };
        const value = Buffer.from(encoded, 'base64').toString('utf8');
        secrets.add(value);
        return { value, source: `secret ${ref.name}/${ref.key}` };
    }
    catch (error) {
        return { problem: `could not read secret ${ref.name}: ${error.message}` };
    }
}
/** Resolves every valueFrom of these args now, and answers for them synchronously afterwards. */
async function clusterArgs(templates, stepArgs, context) {
    const resolved = new Map();
    const all = [...stepArgs, ...templates.flatMap((t) => t.args)];
    for (const arg of all) {
        const from = arg.valueFrom;
        if (!from || resolved.has(arg))
            continue;
        if (from.secretKeyRef)
            resolved.set(arg, await secretOf(context.kubectl, context.namespace, from.secretKeyRef, context.secrets));
        else if (from.podTemplateHashValue) {
            const hash = from.podTemplateHashValue === 'Stable' ? context.state.stableRS : context.state.currentPodHash;
            resolved.set(arg, hash ? { value: hash, source: `${from.podTemplateHashValue} pod-template hash` } : { problem: `the Rollout reports no ${from.podTemplateHashValue} pod-template hash yet` });
        }
        else if (from.fieldRef)
            resolved.set(arg, fieldOf(context.state, from.fieldRef.fieldPath));
        else
            resolved.set(arg, { problem: 'valueFrom names no source (secretKeyRef, podTemplateHashValue or fieldRef)' });
    }
    return (arg) => resolved.get(arg) ?? { problem: 'was not resolved from the cluster' };
}
/**
 * Before the cluster is touched, plans are checked with a stand-in for cluster values, so a typo
 * anywhere is reported first; the real values are read when the analysis starts.
 */
const deferredArgs = () => ({ value: '0', source: instantiate/* DEFERRED_SOURCE */.MS });

// EXTERNAL MODULE: ./src/kube/kubectl.ts
var kube_kubectl = __webpack_require__(9283);
// EXTERNAL MODULE: ./src/kube/rollout.ts
var rollout = __webpack_require__(4236);
// EXTERNAL MODULE: ./src/kube/watch.ts
var kube_watch = __webpack_require__(7002);
// EXTERNAL MODULE: ./src/clock.ts
var clock = __webpack_require__(9373);
// EXTERNAL MODULE: ./src/post-state.ts
var post_state = __webpack_require__(8653);
// EXTERNAL MODULE: ./src/plan/duration.ts
var duration = __webpack_require__(2983);
// EXTERNAL MODULE: ./src/plan/load.ts + 19 modules
var load = __webpack_require__(1520);
// EXTERNAL MODULE: ./src/plan/schema.ts + 1 modules
var plan_schema = __webpack_require__(8971);
// EXTERNAL MODULE: ./src/plan/templates.ts
var plan_templates = __webpack_require__(2940);
;// CONCATENATED MODULE: ./src/plan/rollout.ts



/** Steps Argo knows besides the three canary-gate acts on; they are left to the controller. */
const CONTROLLER_STEPS = new Set(['setCanaryScale', 'setHeaderRoute', 'setMirrorRoute', 'experiment', 'plugin']);
const STEP_KINDS = Object.keys(plan_schema/* stepSchemas */.RG);
const ALL_STEPS = [...STEP_KINDS, ...CONTROLLER_STEPS];
function describeStep(step) {
    switch (step.kind) {
        case 'setWeight':
            return `setWeight ${step.weight}%`;
        case 'pause':
            return step.durationMs === undefined ? 'pause until promoted' : `pause ${(0,duration/* formatDuration */.a3)(step.durationMs)}`;
        case 'analysis':
            return `analysis ${step.gate.templates.map((t) => t.name).join(', ') || step.gate.ref.templates.map((t) => t.templateName).join(', ')}`;
        case 'other':
            return step.name;
    }
}
function findTemplates(ref, templates, doc, path, subject, issues) {
    const found = [];
    ref.templates.forEach((wanted, index) => {
        const kind = wanted.clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
        const template = templates.find((t) => t.kind === kind && t.name === wanted.templateName);
        if (template) {
            found.push(template);
            return;
        }
        const available = templates.filter((t) => t.kind === kind).map((t) => t.name);
        issues.add({
            where: doc.at([...path, 'templates', index, 'templateName']),
            subject,
            field: (0,plan_templates/* fieldPath */.cn)([...path, 'templates', index, 'templateName']),
            message: `no ${kind} "${wanted.templateName}" in the plan (it has: ${available.join(', ') || 'none'}); add its file to the plan input`
        });
    });
    // A template named twice, or also part of a composed one, runs once, as in Argo.
    return (0,plan_templates/* withoutRepeats */.jP)(found);
}
function pauseDuration(value) {
    if (value === undefined)
        return undefined;
    const ms = typeof value === 'number' ? value * 1000 : /^\d+$/.test(value.trim()) ? Number(value) * 1000 : (0,duration/* parseDuration */.E9)(value);
    return ms === undefined || ms < 0 || !Number.isFinite(ms) ? null : ms;
}
/**
 * One step as Argo defines it: a mapping with exactly one action. Anything else is named here,
 * at its line, rather than guessed at: a misspelt action (`setWieght`) or a second action in the
 * same step would otherwise change what the rollout does.
 */
function readStep(raw, index, doc, subject, issues) {
    const path = ['spec', 'strategy', 'canary', 'steps', index];
    const field = `spec.strategy.canary.steps[${index}]`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
        issues.add({ where: doc.at(path), subject, field, message: `must be a mapping with one action (${ALL_STEPS.join(', ')})` });
        return undefined;
    }
    const keys = Object.keys(raw);
    const known = keys.filter((key) => ALL_STEPS.includes(key));
    for (const key of keys.filter((k) => !ALL_STEPS.includes(k))) {
        issues.add({ where: doc.at([...path, key]), subject, field: `${field}.${key}`, message: `unknown step${(0,plan_templates/* suggestion */.h)(key, ALL_STEPS) || ` (a step is one of ${ALL_STEPS.join(', ')})`}` });
    }
    if (known.length !== keys.length)
        return undefined;
    if (known.length !== 1) {
        issues.add({
            where: doc.at(path),
            subject,
            field,
            message: known.length === 0 ? `is empty: a step is one of ${ALL_STEPS.join(', ')}` : `has ${known.length} actions (${known.join(', ')}); a step does one thing, so make each its own step`
        });
        return undefined;
    }
    const key = known[0];
    if (CONTROLLER_STEPS.has(key))
        return { kind: 'other', name: key };
    const kind = key;
    const schema = plan_schema/* stepSchemas */.RG[kind];
    const parsed = schema.safeParse(raw[key]);
    if (!parsed.success) {
        (0,plan_templates/* reportZodIssues */.oF)(parsed.error, doc, [...path, key], subject, issues, schema, [...path, key]);
        return undefined;
    }
    return { kind, value: parsed.data };
}
/** The Rollout named `name` (or the plan's only Rollout) as a step plan; problems go to `issues`. */
function readRolloutPlan(docs, name, templates, issues) {
    const rollouts = docs.filter((doc) => doc.kind === 'Rollout');
    let doc = rollouts.find((d) => d.name === name);
    if (!doc && rollouts.length === 1)
        doc = rollouts[0];
    if (!doc) {
        issues.add({
            where: 'input "plan"',
            message: rollouts.length === 0 ? 'holds no Rollout document: command run needs the Rollout with its canary steps' : `holds no Rollout named "${name}" (it has: ${rollouts.map((r) => r.name).join(', ')})`
        });
        return undefined;
    }
    const subject = `rollout "${doc.name}"`;
    const twin = rollouts.find((other) => other !== doc && other.name === doc.name);
    if (twin) {
        // Which of the two the user meant cannot be guessed; driving either would drop the other's steps.
        issues.add({ where: twin.at(['metadata', 'name']), subject, message: `is defined twice (also at ${doc.at(['metadata', 'name'])})` });
        return undefined;
    }
    // The kind is the one meant: a misspelt kind was reported when the file was read.
    const parsed = plan_schema/* rolloutSchema */.pu.safeParse({ ...doc.value, kind: doc.kind });
    if (!parsed.success) {
        (0,plan_templates/* reportZodIssues */.oF)(parsed.error, doc, [], subject, issues, plan_schema/* rolloutSchema */.pu);
        return undefined;
    }
    const canary = parsed.data.spec.strategy.canary;
    if (!canary && parsed.data.spec.strategy.blueGreen !== undefined) {
        issues.add({ where: doc.at(['spec', 'strategy', 'blueGreen']), subject, field: 'spec.strategy.blueGreen', message: 'canary-gate drives canary steps, and this Rollout uses blueGreen' });
        return undefined;
    }
    if (!canary?.steps || canary.steps.length === 0) {
        issues.add({ where: doc.at(['spec', 'strategy']), subject, field: 'spec.strategy.canary.steps', message: 'the Rollout has no canary steps to drive' });
        return undefined;
    }
    const steps = [];
    const liveSteps = [];
    canary.steps.forEach((raw, index) => {
        const path = ['spec', 'strategy', 'canary', 'steps', index];
        const step = readStep(raw, index, doc, subject, issues);
        if (!step)
            return;
        if (step.kind === 'other') {
            steps.push(step);
            liveSteps.push(raw);
        }
        else if (step.kind === 'setWeight') {
            steps.push({ kind: 'setWeight', weight: step.value });
            liveSteps.push(raw);
        }
        else if (step.kind === 'pause') {
            const duration = step.value.duration;
            const durationMs = pauseDuration(duration);
            if (durationMs === null) {
                issues.add({ where: doc.at([...path, 'pause', 'duration']), subject, field: `spec.strategy.canary.steps[${index}].pause.duration`, message: `"${duration}" is not a duration (e.g. 30s, 2m, or a number of seconds)` });
                return;
            }
            steps.push({ kind: 'pause', durationMs });
            liveSteps.push(raw);
        }
        else {
            const ref = step.value;
            const gatePath = [...path, 'analysis'];
            const found = findTemplates(ref, templates, doc, gatePath, subject, issues);
            steps.push({ kind: 'analysis', gate: { templates: found, ref, path: gatePath } });
            // The controller waits at an indefinite pause while canary-gate runs the analysis.
            liveSteps.push({ pause: {} });
        }
    });
    let background;
    if (canary.analysis) {
        const path = ['spec', 'strategy', 'canary', 'analysis'];
        const found = findTemplates(canary.analysis, templates, doc, path, subject, issues);
        const startingStep = canary.analysis.startingStep ?? 0;
        if (startingStep > steps.length) {
            issues.add({ where: doc.at([...path, 'startingStep']), subject, field: 'spec.strategy.canary.analysis.startingStep', message: `${startingStep} is past the last step (${steps.length} steps)` });
        }
        background = { templates: found, ref: canary.analysis, path, startingStep };
    }
    return { name: doc.name, doc, steps, liveSteps, background };
}
/** A readable line-by-line difference of two step lists, for logs and the GitOps refusal. */
function stepsDiff(live, wanted) {
    const lines = [];
    const show = (step) => JSON.stringify(step) ?? 'nothing';
    for (let i = 0; i < Math.max(live.length, wanted.length); i++) {
        const a = i < live.length ? show(live[i]) : undefined;
        const b = i < wanted.length ? show(wanted[i]) : undefined;
        if (a === b)
            lines.push(`  step ${i}: ${a}`);
        else {
            if (a !== undefined)
                lines.push(`- step ${i}: ${a}`);
            if (b !== undefined)
                lines.push(`+ step ${i}: ${b}`);
        }
    }
    return lines;
}
/** Structural equality of JSON values (key order ignored). */
function sameJson(a, b) {
    if (a === b)
        return true;
    if (Array.isArray(a) && Array.isArray(b))
        return a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
    if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
        const ka = Object.keys(a).filter((k) => a[k] !== undefined);
        const kb = Object.keys(b).filter((k) => b[k] !== undefined);
        return ka.length === kb.length && ka.every((k) => sameJson(a[k], b[k]));
    }
    return false;
}

// EXTERNAL MODULE: ./src/providers/index.ts + 3 modules
var providers = __webpack_require__(2166);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./src/providers/answers.ts
var answers = __webpack_require__(3889);
// EXTERNAL MODULE: ./src/providers/provider.ts
var provider = __webpack_require__(9545);
;// CONCATENATED MODULE: ./src/providers/job.ts
// Job: the template's Kubernetes Job, created with kubectl for each measurement. Its end decides
// the phase as in Argo (Failed → Failed); a last log line that parses (JSON, a number or a word)
// becomes `result` for the conditions (`result == "healthy"`). The Job is deleted afterwards, and
// when the run is cancelled.




const MAX_NAME = 63;
/** A lower-case DNS label of at most `max` characters. */
function slug(text, max = MAX_NAME) {
    return text
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/-+/g, '-')
        .replace(/^-|-$/g, '')
        .slice(0, max)
        .replace(/-$/, '');
}
/** `rollout-metric-run-n`, cut to 63 characters with a hash keeping long names unique. */
function jobName(rollout, metric, runId, n) {
    const suffix = `${slug(runId, 12)}-${n}`;
    const full = `${slug(rollout)}-${slug(metric)}`;
    if (full.length + suffix.length + 1 <= MAX_NAME)
        return `${full}-${suffix}`;
    const hash = (0,external_node_crypto_.createHash)('sha256').update(full).digest('hex').slice(0, 6);
    return `${slug(full, MAX_NAME - suffix.length - hash.length - 2)}-${hash}-${suffix}`;
}
/**
 * The last non-empty log line as a value: JSON when it parses, else the text. JSON that Go would
 * refuse (a number beyond float64, nesting deeper than 64 levels) is a MeasurementError.
 */
function resultFromLog(log) {
    const lines = log.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
    const last = lines[lines.length - 1];
    if (last === undefined)
        return undefined;
    const parsed = (0,answers/* readJson */.Vh)(last);
    if (parsed.kind === 'rejected')
        throw new provider/* MeasurementError */.HG(`the last log line is refused: ${parsed.problem}: ${(0,answers/* excerpt */.Kb)(last, 80)}`);
    return parsed.kind === 'json' ? parsed.value : last;
}
function finished(status) {
    for (const condition of status.conditions ?? []) {
        if (condition.status !== 'True')
            continue;
        if (condition.type === 'Complete')
            return { done: true, ok: true, reason: 'Complete' };
        if (condition.type === 'Failed')
            return { done: true, ok: false, reason: condition.reason ?? 'Failed' };
    }
    return { done: false };
}
class JobProvider {
    settings;
    count = 0;
    constructor(settings) {
        this.settings = settings;
    }
    async measure(metric, context) {
        if (metric.provider.kind !== 'job')
            throw new Error('not a job metric');
        const { kubectl, namespace, rollout, runId } = this.settings;
        const config = metric.provider.config;
        const name = jobName(rollout, metric.name, runId, ++this.count);
        const labels = {
            ...(config.metadata?.labels ?? {}),
            'app.kubernetes.io/managed-by': 'canary-gate',
            'canary-gate/run': slug(runId),
            'canary-gate/rollout': slug(rollout),
            'canary-gate/metric': slug(metric.name)
        };
        const manifest = {
            apiVersion: 'batch/v1',
            kind: 'Job',
            metadata: { name, namespace, labels, annotations: config.metadata?.annotations ?? {} },
            spec: config.spec
        };
        const deadline = Number(config.spec.activeDeadlineSeconds);
        const budgetMs = ((Number.isFinite(deadline) && deadline > 0 ? deadline : 600) + 60) * 1000;
        try {
            await kubectl.write(['create', '-f', '-', '-n', namespace, '-o', 'name'], { input: JSON.stringify(manifest), what: `Job ${name}` });
        }
        catch (error) {
            // A retried create whose first attempt got through finds its own Job: go on with it.
            if (!(error instanceof kube_kubectl/* KubectlError */.xi && /AlreadyExists/.test(error.stderr))) {
                throw new provider/* MeasurementError */.HG(`job ${name}: could not be created: ${error.message}`);
            }
        }
        context.log.info(`${metric.name}: job ${name} created; waiting for it to finish`);
        try {
            return await (0,provider/* withBudget */.Y$)(context, budgetMs, `job ${name}`, async (signal) => {
                for (;;) {
                    const job = await kubectl.readJson(['get', 'job', name, '-n', namespace]);
                    const end = finished(job.status ?? {});
                    if (end.done) {
                        const log = await kubectl.read(['logs', `job/${name}`, '-n', namespace, '--tail=50']).catch((error) => {
                            context.log.warning(`${metric.name}: could not read the log of job ${name}: ${error.message}`);
                            return '';
                        });
                        let result;
                        try {
                            result = resultFromLog(log);
                        }
                        catch (error) {
                            if (!(error instanceof provider/* MeasurementError */.HG))
                                throw error;
                            // The Job's end still decides a failure; a completed Job with a refused result has no value.
                            if (end.ok)
                                throw new provider/* MeasurementError */.HG(`job ${name} completed, but ${error.message}`);
                            return new provider/* Decided */.$C('Failed', undefined, `job ${name} failed (${end.reason}); ${error.message}`);
                        }
                        // The log is the Job's own text: one line, short, redacted.
                        const lastLine = result === undefined ? 'no output' : (0,answers/* excerpt */.Kb)(typeof result === 'string' ? result : JSON.stringify(result), 200);
                        return end.ok
                            ? new provider/* Decided */.$C('Successful', result, `job ${name} completed: ${lastLine}`)
                            : new provider/* Decided */.$C('Failed', result, `job ${name} failed (${end.reason}): ${lastLine}`);
                    }
                    await context.clock.sleep(this.settings.pollMs ?? 2000, signal);
                }
            });
        }
        catch (error) {
            if (error instanceof kube_kubectl/* KubectlError */.xi)
                throw new provider/* MeasurementError */.HG(`job ${name}: ${error.message}`);
            throw error;
        }
        finally {
            await kubectl.write(['delete', 'job', name, '-n', namespace, '--ignore-not-found', '--wait=false', '--cascade=background'], { safe: true }).catch((error) => {
                context.log.warning(`${metric.name}: could not delete job ${name}: ${error.message}`);
            });
        }
    }
}

// EXTERNAL MODULE: ./src/commands/checks.ts
var checks = __webpack_require__(8949);
;// CONCATENATED MODULE: ./src/commands/run.ts
// command: run — walk an Argo Rollout through the plan's canary steps. The controller runs
// setWeight and timed pauses; at each pause that stands for an analysis step canary-gate measures,
// then promotes, or aborts the moment the analysis fails, and waits until the rollout reports it.



















/** How long an abort may take to show before the gate reports it unconfirmed. */
const ABORT_CONFIRM_MS = 5 * 60_000;
/** How often an unchanged wait is still reported in the log. */
const HEARTBEAT_MS = 30_000;
/**
 * The cancel path runs in real time (the runner's kill schedule is real): a moment for the loop to
 * finish the call it is in, then the abort, each kubectl request bounded, all within the budget.
 */
const CANCEL_SETTLE_MS = 1_000;
const CANCEL_BUDGET_MS = 5_000;
const CANCEL_REQUEST_TIMEOUT_S = 2;
/** The plan, checked whole before the cluster is touched. */
async function loadPlan(context) {
    const { inputs } = context;
    const issues = new config_error/* IssueList */.o3();
    const docs = await (0,load/* loadPlanFiles */.vb)(inputs.plan, context.cwd, issues);
    const templates = (0,plan_templates/* readTemplates */.QT)(docs, issues);
    const plan = readRolloutPlan(docs, inputs.rollout ?? '', templates, issues);
    // Only when every template read cleanly: otherwise an arg may belong to one with errors.
    if (templates.length === docs.filter((doc) => plan_templates/* TEMPLATE_KINDS */.X_.has(doc.kind)).length)
        (0,checks/* checkArgsInput */.WB)(inputs.args, templates, issues);
    if (plan) {
        const gates = plan.steps.flatMap((step) => (step.kind === 'analysis' ? [step.gate] : []));
        for (const gate of gates) {
            const metrics = gateMetrics(context, plan, gate, deferredArgs, issues);
            (0,checks/* checkFinite */.ug)(metrics, 'an analysis step', issues);
            (0,checks/* checkTimeBudget */.Fn)(metrics, gate.templates, inputs.timeoutMs, issues);
            (0,checks/* checkCredentials */.vG)(metrics, context, issues);
        }
        if (plan.background)
            (0,checks/* checkCredentials */.vG)(gateMetrics(context, plan, plan.background, deferredArgs, issues), context, issues);
    }
    issues.throwIfAny();
    return plan;
}
function gateMetrics(context, plan, gate, resolveValueFrom, issues) {
    return (0,instantiate/* instantiateMetrics */.cZ)(gate.templates, {
        mode: 'run',
        prometheusUrl: context.inputs.prometheusUrl,
        secrets: context.secrets,
        input: context.inputs.args,
        stepArgs: { args: gate.ref.args ?? [], where: (index) => plan.doc.at([...gate.path, 'args', index]) },
        resolveValueFrom,
        dryRun: (gate.ref.dryRun ?? []).map((entry) => entry.metricName),
        dryRunWhere: (index) => plan.doc.at([...gate.path, 'dryRun', index, 'metricName'])
    }, issues);
}
/** A real-time wait for the cancel path (never the run's clock, which tests speed up). */
function realDelay(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
/** A rollout at the end of its steps with the canary now stable. */
function completed(state) {
    return state.phase === 'Healthy' && Boolean(state.currentPodHash) && state.currentPodHash === state.stableRS && (state.currentStepIndex ?? state.steps.length) >= state.steps.length;
}
function pausedAtStep(state) {
    return state.controllerPause || state.pauseConditions.some((p) => p.reason === 'CanaryPauseStep');
}
class RolloutRun {
    context;
    plan;
    steps;
    analyses = [];
    reasons = [];
    notes = [];
    verdicts = [];
    /** Analysis steps whose analysis started, and those whose analysis reached a verdict. */
    gatesDone = new Set();
    gatesMeasured = new Set();
    kubectl;
    client;
    providerFor;
    startedAt;
    deadline;
    outcome = 'none';
    started = false;
    /** The image was sent (the write may still be in flight): the canary may have started. */
    startRequested = false;
    /** The gate decided to abort (on-failure, on-inconclusive, timeout): a cancellation must not undo that. */
    abortDecided = false;
    cancelling;
    /** The run got as far as watching an update: it is driving this rollout. */
    driving = false;
    /** The step the rollout was at when this run began watching it. */
    firstIndex;
    backgroundHandled = false;
    /** Aborts when the background analysis ends, to wake the waits. */
    backgroundSettled = new AbortController();
    before;
    last;
    abort;
    failingMeasurementAt;
    watchStartedAt;
    callsBeforeWatch = 0;
    lastLog = { text: '', at: 0 };
    background;
    stepsDiff;
    abortedBefore = false;
    constructor(context, plan) {
        this.context = context;
        this.plan = plan;
        const { inputs, clock, log, secrets } = context;
        this.startedAt = clock.now();
        this.deadline = this.startedAt + inputs.timeoutMs;
        this.kubectl = (0,kube_kubectl/* kubectlFromInputs */.I7)(inputs, log, clock);
        this.client = new rollout/* RolloutClient */.$n(this.kubectl, inputs.rollout, inputs.namespace, log);
        const runId = `${process.env.GITHUB_RUN_ID ?? 'local'}-${process.env.GITHUB_RUN_ATTEMPT ?? '1'}`;
        const job = inputs.dryRun
            ? { measure: async () => Promise.reject(new provider/* MeasurementError */.HG('dry-run: the Job was not created', { permanent: true })) }
            : new JobProvider({ kubectl: this.kubectl, namespace: inputs.namespace, rollout: inputs.rollout, runId });
        this.providerFor = (0,providers/* createProviders */.X)({
            clock,
            secrets,
            prometheusUrl: inputs.prometheusUrl,
            prometheusHeaders: inputs.prometheusHeaders,
            newRelic: { apiKey: inputs.newRelic.apiKey, accountId: inputs.newRelic.accountId, graphqlUrl: inputs.newRelic.graphqlUrl },
            job
        });
        this.steps = plan.steps.map((step, index) => ({
            index,
            kind: step.kind,
            description: describeStep(step),
            weight: step.kind === 'setWeight' ? step.weight : undefined,
            result: 'not reached'
        }));
    }
    get log() {
        return this.context.log;
    }
    get clock() {
        return this.context.clock;
    }
    get inputs() {
        return this.context.inputs;
    }
    async drive() {
        const signal = this.context.signal;
        const steering = this.steer().then(() => undefined, (error) => ({ error }));
        const cancelled = new Promise((resolve) => {
            if (signal.aborted)
                resolve('cancelled');
            else
                signal.addEventListener('abort', () => resolve('cancelled'), { once: true });
        });
        const first = await Promise.race([steering, cancelled]);
        if (first === 'cancelled' || signal.aborted) {
            // The loop may be inside a kubectl call; from now on it cannot write, and it gets a moment to
            // settle (so an image in flight is known to have landed) before the cancel path aborts.
            this.kubectl.stopWrites('the workflow was cancelled');
            await Promise.race([steering, realDelay(CANCEL_SETTLE_MS)]);
            await this.cancelled();
            await Promise.race([this.stopBackground(), realDelay(500)]);
            return this.result();
        }
        if (first && !(first.error instanceof kube_kubectl/* KubectlError */.xi)) {
            await this.stopBackground();
            throw first.error;
        }
        if (first) {
            const error = first.error;
            this.verdicts.push('Error');
            this.reasons.unshift(error.notFound && !this.last ? `rollout ${this.client.name} was not found in namespace ${this.client.namespace} (${error.message})` : error.message);
            // The gate lost the cluster mid-run: it still owes the rollout its on-failure.
            if (this.driving && this.last && !this.last.abort && this.outcome === 'none') {
                await this.onFailure(`kubectl failed: ${error.message}`, this.last).catch((again) => {
                    this.log.warning(`on-failure could not be applied either: ${again.message}`);
                    this.notes.push(`on-failure (${this.inputs.onFailure}) could not be applied: ${again.message}`);
                });
            }
        }
        await this.stopBackground();
        return this.result();
    }
    async steer() {
        const { inputs, log } = this;
        this.client.announcePath();
        let state = await this.client.get();
        this.last = state;
        this.before = (0,rollout/* describeState */.Jw)(state);
        log.info(`rollout ${this.client.name} in ${this.client.namespace}: ${this.before}`);
        this.context.progress?.(this.result());
        // Refusals first, so a bad input changes nothing in the cluster.
        const container = inputs.image ? state.containers.find((c) => c.name === inputs.image.container) : undefined;
        if (inputs.image && !container) {
            this.verdicts.push('Error');
            this.reasons.push(`rollout ${this.client.name} has no container "${inputs.image.container}" (it has: ${state.containers.map((c) => c.name).join(', ')})`);
            return;
        }
        const newImage = Boolean(inputs.image && container.image !== inputs.image.image);
        if (state.abort && !newImage) {
            // An aborted canary is not restarted behind anyone's back: that is what retry is for.
            this.verdicts.push('Error');
            this.reasons.push(`rollout ${this.client.name} is aborted (${state.message || 'no message'}); canary-gate does not restart an aborted canary on its own: run command retry to try the same revision again, or deploy a new image`);
            this.outcome = 'none';
            this.abortedBefore = true;
            return;
        }
        if (!sameJson(state.steps, this.plan.liveSteps)) {
            const diff = stepsDiff(state.steps, this.plan.liveSteps);
            if (!inputs.applySteps) {
                this.verdicts.push('Error');
                this.reasons.push("the live Rollout's steps differ from the plan and apply-steps is false, so canary-gate changed nothing: make the Rollout in git hold each analysis step as an indefinite pause (pause: {}), as the difference shows");
                this.stepsDiff = diff;
                log.error('the live steps differ from the plan and apply-steps is false; the difference (- live, + wanted):');
                for (const line of diff)
                    log.info(line);
                return;
            }
            log.info(`the live steps differ from the plan; patching them (analysis steps become pauses canary-gate resolves):\n${diff.join('\n')}`);
            if ((0,rollout/* inProgress */.Vw)(state))
                log.warning('the rollout is in the middle of an update: Argo restarts its steps from the first when they change');
            await this.client.setSteps(this.plan.liveSteps);
        }
        const revisionBefore = state.currentPodHash;
        if (inputs.image) {
            if (newImage) {
                log.info(`starting the canary: ${inputs.image.container} ${container.image ?? '?'} → ${inputs.image.image}`);
                this.startRequested = true;
                this.rememberForPost();
                await this.client.setImage(inputs.image.container, inputs.image.image, state);
                this.started = true;
            }
            else if (!(0,rollout/* inProgress */.Vw)(state)) {
                return this.nothingToDo(`the rollout already runs ${inputs.image.image} and no update is in progress`);
            }
            else
                log.info(`the rollout is already updating to ${inputs.image.image}: following it`);
        }
        else if (!(0,rollout/* inProgress */.Vw)(state)) {
            return this.nothingToDo('no image was given and no update is in progress');
        }
        else
            log.info('no image given: following the update in progress');
        if (this.kubectl.dryRun)
            return this.rehearse(state);
        this.watchStartedAt = this.clock.now();
        this.callsBeforeWatch = this.kubectl.calls;
        this.driving = true;
        this.rememberForPost();
        let waitingForRevision = this.started;
        for (;;) {
            if (this.context.signal.aborted)
                return this.cancelled();
            if (this.clock.now() >= this.deadline)
                return this.timedOut();
            state = await this.client.get();
            this.last = state;
            if (waitingForRevision) {
                if (state.currentPodHash !== revisionBefore)
                    waitingForRevision = false;
                else if (state.phase === 'Healthy' && String(state.observedGeneration) === String(state.generation)) {
                    return this.nothingToDo('the controller saw the new image but started no canary (the template equals the stable revision)');
                }
                else {
                    await this.nap();
                    continue;
                }
            }
            this.firstIndex ??= state.currentStepIndex ?? 0;
            this.track(state);
            if (state.abort)
                return this.abortedElsewhere(state);
            if (state.phase === 'Degraded') {
                const reason = `the controller degraded the rollout: ${state.message || 'no message'}`;
                this.verdicts.push('Failed');
                this.reasons.push(reason);
                await this.onFailure(reason, state);
                return;
            }
            if (completed(state))
                return this.promoted(state);
            if (this.background?.outcome && (await this.backgroundEnded(state)) === 'stop')
                return;
            this.startBackgroundIfDue(state);
            const index = state.currentStepIndex ?? 0;
            const step = this.plan.steps[index];
            if (step?.kind === 'analysis' && pausedAtStep(state) && !this.gatesDone.has(index)) {
                this.gatesDone.add(index);
                if ((await this.runGate(index, step.gate, state)) === 'stop')
                    return;
                continue;
            }
            await this.nap();
        }
    }
    /** Tells the post step which canary this run may have started, in case the step is killed. */
    rememberForPost() {
        if (this.kubectl.dryRun)
            return;
        const state = { rollout: this.client.name, namespace: this.client.namespace, context: this.inputs.kubeContext, abortOnCancel: this.inputs.abortOnCancel };
        this.context.saveState?.(post_state/* STARTED_STATE */.Cq, JSON.stringify(state));
    }
    /** Sleeps one poll interval, or less if the background analysis ends or the job is cancelled. */
    async nap() {
        // Until its verdict is dealt with, the background analysis ending wakes the watch at once.
        const wakeOnBackground = this.background && !this.backgroundHandled ? [this.backgroundSettled.signal] : [];
        const signal = AbortSignal.any([...wakeOnBackground, this.context.signal]);
        await this.clock.sleep(Math.min(this.inputs.pollIntervalMs, Math.max(0, this.deadline - this.clock.now())), signal).catch(() => { });
    }
    progress(state) {
        const count = this.plan.steps.length;
        const index = Math.min(state.currentStepIndex ?? count, count);
        const step = this.plan.steps[index];
        const parts = [index < count ? `step ${index + 1}/${count} ${describeStep(step)}` : `after step ${count}/${count}`, `${state.phase || 'unknown'}`, `canary ${state.canaryWeight}%`];
        const pause = state.pauseConditions.find((p) => p.reason === 'CanaryPauseStep');
        if (pause && step?.kind === 'pause' && step.durationMs !== undefined && pause.startTime) {
            parts.push(`paused, ${(0,duration/* formatDuration */.a3)(Math.max(0, Date.parse(pause.startTime) + step.durationMs - this.clock.now()))} left`);
        }
        else if (pause && step?.kind === 'pause')
            parts.push('paused until promoted (kubectl argo rollouts promote, or this workflow with command: promote)');
        else if (state.paused)
            parts.push('paused by a user');
        const next = this.plan.steps[index + 1];
        if (next)
            parts.push(`next: ${describeStep(next)}`);
        parts.push(`${(0,duration/* formatDuration */.a3)(Math.max(0, this.deadline - this.clock.now()))} left before timeout`);
        return parts.join('; ');
    }
    /** Step records follow the rollout's step index; progress goes to the log when it changes. */
    track(state) {
        const now = this.clock.now();
        const index = Math.min(state.currentStepIndex ?? this.steps.length, this.steps.length);
        for (const record of this.steps) {
            if (record.index >= index)
                continue;
            if (record.result === 'not reached' || record.result === 'running') {
                const before = record.index < (this.firstIndex ?? 0);
                if (record.kind === 'analysis' && !before && !this.gatesMeasured.has(record.index)) {
                    record.result = 'skipped';
                    record.note = 'promoted past outside canary-gate, not measured';
                }
                else {
                    record.result = 'done';
                    if (before)
                        record.note = 'passed before this run began following the update';
                }
            }
            record.startedAt ??= now;
            record.finishedAt ??= now;
        }
        const current = this.steps[index];
        if (current && current.result === 'not reached') {
            current.result = 'running';
            current.startedAt = now;
            this.context.progress?.(this.result());
        }
        if (current && current.kind !== 'setWeight')
            current.weight = state.canaryWeight;
        const text = this.progress(state);
        const key = text.replace(/; [^;]*left[^;]*/g, '');
        if (key !== this.lastLog.text || now - this.lastLog.at >= HEARTBEAT_MS) {
            this.log.info(text);
            this.lastLog = { text: key, at: now };
        }
    }
    finishStep(index, result, note) {
        const record = this.steps[index];
        if (!record)
            return;
        record.result = result;
        record.startedAt ??= this.clock.now();
        record.finishedAt = this.clock.now();
        if (note)
            record.note = note;
    }
    /** Measures the analysis of step `index` while still watching the rollout, then acts on it. */
    async runGate(index, gate, state) {
        const label = `step ${index + 1}/${this.plan.steps.length}`;
        const outcome = await this.log.group(`${label} analysis: ${gate.templates.map((t) => t.name).join(', ')}`, () => this.measure(label, gate, state, index));
        // A cancellation wins over whatever the analysis concluded: an analysis the cancel stopped is
        // never acted on as Inconclusive (on-inconclusive: promote would promote a cancelled canary).
        if (this.context.signal.aborted) {
            if (typeof outcome !== 'string') {
                this.analyses.push({ label, stepIndex: index, templates: gate.templates.map((t) => t.name), outcome });
                this.decidedBeforeCancel(label, outcome);
            }
            await this.cancelled();
            return 'stop';
        }
        if (outcome === 'stopped')
            return 'stop';
        if (outcome === 'moved')
            return 'continue';
        this.analyses.push({ label, stepIndex: index, templates: gate.templates.map((t) => t.name), outcome });
        this.verdicts.push(outcome.verdict);
        this.gatesMeasured.add(index);
        this.context.progress?.(this.result());
        const reasons = outcome.reasons.map((reason) => `${label}: ${reason}`);
        switch (outcome.verdict) {
            case 'Successful': {
                this.finishStep(index, 'passed');
                // A background analysis that failed meanwhile wins over this step's pass.
                if (this.background?.outcome && (await this.backgroundEnded(this.last ?? state)) === 'stop')
                    return 'stop';
                const now = await this.client.get();
                this.last = now;
                if (now.currentStepIndex !== index || now.currentPodHash !== state.currentPodHash || !pausedAtStep(now)) {
                    this.log.warning(`${label}: the rollout moved on while the analysis ran (${(0,rollout/* describeState */.Jw)(now)}); not promoting`);
                    return 'continue';
                }
                this.log.info(`${label} analysis Successful: promoting`);
                await this.client.promote(false, now);
                return 'continue';
            }
            case 'Inconclusive':
                this.finishStep(index, 'inconclusive');
                this.reasons.push(...reasons);
                return this.onInconclusive(reasons[0] ?? `${label} inconclusive`, index);
            default:
                this.finishStep(index, outcome.verdict === 'Failed' ? 'failed' : 'error');
                this.reasons.push(...reasons);
                // The last state read is recent (the rollout is watched during the analysis): abort at once.
                await this.onFailure(reasons[0] ?? `${label} ${outcome.verdict}`, this.last ?? state);
                return 'stop';
        }
    }
    /** The metrics of an analysis with the cluster's values for its args; problems go to `issues`. */
    async metricsFor(gate, state, issues) {
        const resolver = await clusterArgs(gate.templates, gate.ref.args ?? [], { kubectl: this.kubectl, namespace: this.client.namespace, state, secrets: this.context.secrets });
        return gateMetrics(this.context, this.plan, gate, resolver, issues);
    }
    /** Starts an analysis on the run's clock, deadline and providers; it stops with `stop` or a cancellation. */
    analyse(label, metrics, stop, passOnStop = false) {
        (0,external_node_events_.setMaxListeners)(0, stop.signal);
        return (0,engine/* runAnalysis */.A)({
            metrics,
            providerFor: this.providerFor,
            clock: this.clock,
            log: this.log,
            label,
            deadline: this.deadline,
            passOnStop,
            signal: AbortSignal.any([stop.signal, this.context.signal]),
            onMeasurement: this.onMeasurement
        });
    }
    onMeasurement = (metric, measurement, assessment) => {
        if (metric.dryRun)
            return;
        const failing = assessment.phase === 'Failed' || assessment.phase === 'Error';
        if (failing)
            this.failingMeasurementAt ??= measurement.finishedAt;
        // Known the moment the metric decides, before the analysis has even stopped: a cancellation
        // arriving now must still make the abort this verdict calls for.
        const action = failing ? this.inputs.onFailure : assessment.phase === 'Inconclusive' ? this.inputs.onInconclusive : undefined;
        if (action === 'abort')
            this.abortDecided = true;
    };
    /**
     * Runs one analysis with the rollout watched alongside. It stops when the job is cancelled, the
     * rollout is aborted or degraded, the background analysis fails ('stopped': the run is over), or
     * the rollout moves past the step or to another revision ('moved': someone else acted).
     */
    async measure(label, gate, state, stepIndex) {
        const issues = new config_error/* IssueList */.o3();
        const metrics = await this.metricsFor(gate, state, issues);
        if (this.kubectl.dryRun)
            for (const metric of metrics)
                if (metric.provider.kind === 'job')
                    metric.dryRun = true;
        if (!issues.empty) {
            this.verdicts.push('Error');
            this.reasons.push(...issues.issues.map((issue) => `${label}: ${[issue.where, issue.subject, issue.field, issue.message].filter(Boolean).join(': ')}`));
            if (stepIndex !== undefined)
                this.finishStep(stepIndex, 'error');
            await this.onFailure(`${label}: the analysis could not start`, state);
            return 'stopped';
        }
        const stop = new AbortController();
        const running = this.analyse(label, metrics, stop);
        if (this.kubectl.dryRun)
            return running;
        const record = async () => {
            stop.abort();
            const outcome = await running;
            this.analyses.push({ label, stepIndex, templates: gate.templates.map((t) => t.name), outcome });
            return outcome;
        };
        const done = new AbortController();
        running.then(() => done.abort(), () => done.abort());
        try {
            for (;;) {
                const wake = this.background && !this.backgroundHandled ? [this.backgroundSettled.signal] : [];
                await this.clock.sleep(this.inputs.pollIntervalMs, AbortSignal.any([done.signal, this.context.signal, ...wake])).catch(() => { });
                if (this.context.signal.aborted) {
                    this.decidedBeforeCancel(label, await record());
                    await this.cancelled();
                    return 'stopped';
                }
                if (done.signal.aborted)
                    return await running;
                if (this.background?.outcome && !this.backgroundHandled && this.background.outcome.verdict !== 'Successful') {
                    await record();
                    if ((await this.backgroundEnded(this.last ?? state)) === 'stop')
                        return 'stopped';
                    return 'moved';
                }
                const now = await this.client.get();
                this.last = now;
                if (now.abort || now.phase === 'Degraded') {
                    await record();
                    if (now.abort)
                        await this.abortedElsewhere(now);
                    else {
                        this.verdicts.push('Failed');
                        this.reasons.push(`the controller degraded the rollout during ${label}'s analysis: ${now.message}`);
                        await this.onFailure(this.reasons[this.reasons.length - 1], now);
                    }
                    return 'stopped';
                }
                if (now.currentPodHash !== state.currentPodHash || now.currentStepIndex !== state.currentStepIndex) {
                    await record();
                    const why = now.currentPodHash !== state.currentPodHash ? 'the rollout was moved to another revision' : 'the step was promoted outside canary-gate';
                    this.log.warning(`${label}: ${why} while its analysis ran (${(0,rollout/* describeState */.Jw)(now)}); the analysis stops`);
                    if (stepIndex !== undefined)
                        this.finishStep(stepIndex, 'skipped', `${why} while its analysis ran`);
                    return 'moved';
                }
            }
        }
        finally {
            // Whatever ends the wait (a kubectl failure included), the analysis and its Jobs stop with it.
            stop.abort();
            await running.catch(() => undefined);
        }
    }
    startBackgroundIfDue(state) {
        const background = this.plan.background;
        if (!background || this.background)
            return;
        if ((state.currentStepIndex ?? 0) < background.startingStep)
            return;
        const stop = new AbortController();
        this.log.info(`background analysis ${background.templates.map((t) => t.name).join(', ')} starts at step ${(state.currentStepIndex ?? 0) + 1}`);
        const run = (async () => {
            const issues = new config_error/* IssueList */.o3();
            const metrics = await this.metricsFor(background, state, issues);
            issues.throwIfAny();
            // Stopped because the rollout finished: judged on what it measured, as in Argo.
            return this.analyse('background', metrics, stop, true);
        })();
        this.background = { promise: run, stop };
        const settled = () => this.backgroundSettled.abort();
        run.then(settled, settled);
        run.then((outcome) => {
            if (this.background)
                this.background.outcome = outcome;
        }, (error) => {
            if (this.background) {
                this.background.outcome = {
                    verdict: 'Error',
                    startedAt: this.clock.now(),
                    finishedAt: this.clock.now(),
                    metrics: [],
                    reasons: [`the background analysis could not start: ${error.message}`],
                    ending: 'completed'
                };
            }
        });
    }
    /** The background analysis ended while the rollout still runs: act on its verdict. */
    async backgroundEnded(state) {
        if (this.backgroundHandled)
            return 'continue';
        this.backgroundHandled = true;
        const outcome = this.background.outcome;
        if (outcome.verdict === 'Successful')
            return 'continue';
        this.recordBackground();
        const reasons = outcome.reasons.map((reason) => `background: ${reason}`);
        this.reasons.push(...reasons);
        if (outcome.verdict === 'Inconclusive')
            return this.onInconclusive(reasons[0] ?? 'background analysis inconclusive', state.currentStepIndex ?? 0, true);
        await this.onFailure(reasons[0] ?? `background analysis ${outcome.verdict}`, state);
        return 'stop';
    }
    recordBackground() {
        const outcome = this.background?.outcome;
        if (!outcome || this.analyses.some((a) => a.label === 'background'))
            return;
        this.analyses.push({ label: 'background', templates: this.plan.background.templates.map((t) => t.name), outcome });
        this.verdicts.push(outcome.verdict);
    }
    async stopBackground() {
        if (!this.background)
            return;
        this.background.stop.abort();
        try {
            this.background.outcome ??= await this.background.promise;
        }
        catch {
            // recorded by the rejection handler
        }
        this.recordBackground();
    }
    async onFailure(reason, state) {
        if (this.inputs.onFailure === 'abort')
            return this.abortNow(reason, state);
        await this.leavePaused(`on-failure is pause: the rollout is left paused for a human`, state);
    }
    async onInconclusive(reason, index, fromBackground = false) {
        switch (this.inputs.onInconclusive) {
            case 'abort':
                await this.abortNow(reason, this.last ?? (await this.client.get()));
                return 'stop';
            case 'promote':
                this.notes.push(`on-inconclusive is promote: ${fromBackground ? 'the background analysis was inconclusive; the rollout goes on' : `step ${index + 1} was promoted although its analysis was inconclusive`}`);
                if (!fromBackground)
                    await this.client.promote(false, await this.client.get());
                return 'continue';
            default:
                await this.leavePaused('on-inconclusive is pause: the rollout is left paused for a human to promote or abort', this.last ?? (await this.client.get()));
                return 'stop';
        }
    }
    /** Pauses the rollout (a user pause, as kubectl argo rollouts pause does) so nothing moves on without a human. */
    async leavePaused(why, state) {
        // Also at a gate's indefinite pause: a timed pause or a background failure would otherwise run on.
        if (!state.paused)
            await this.client.pause();
        this.outcome = 'paused';
        const c = this.client.commands();
        this.log.notice(`${why}. To go on: ${c.promote} (or this workflow with command: promote). To roll back: ${c.abort} (or command: abort).`);
        this.reasons.push(why);
    }
    async abortNow(reason, state) {
        this.abortDecided = true;
        const { record, state: after } = await this.log.group(`Aborting rollout ${this.client.name}`, () => (0,kube_watch/* abortAndConfirm */.aL)(this.client, state, reason, {
            clock: this.clock,
            log: this.log,
            pollMs: this.inputs.pollIntervalMs,
            confirmMs: Math.min(ABORT_CONFIRM_MS, Math.max(60_000, this.deadline - this.clock.now() + 60_000)),
            failingMeasurementAt: this.failingMeasurementAt,
            // A cancellation while the abort is confirmed stops the waiting, not the abort.
            signal: this.context.signal
        }));
        this.abort = record;
        this.last = after;
        this.outcome = 'aborted';
        const index = Math.min(state.currentStepIndex ?? 0, this.steps.length - 1);
        for (const step of this.steps) {
            if (step.index === index && (step.result === 'running' || step.result === 'not reached'))
                this.finishStep(index, 'aborted');
            else if (step.index > index && step.result === 'not reached')
                step.result = 'skipped';
        }
    }
    async abortedElsewhere(state) {
        this.verdicts.push('Failed');
        this.reasons.push(`the rollout was aborted outside canary-gate: ${state.message || 'no message'}`);
        const index = Math.min(state.currentStepIndex ?? 0, this.steps.length - 1);
        for (const step of this.steps)
            if (step.index > index && step.result === 'not reached')
                step.result = 'skipped';
    }
    async promoted(state) {
        await this.stopBackground();
        this.outcome = 'promoted';
        const first = this.firstIndex ?? 0;
        // Analysis steps this run watched but never measured were passed by someone else (promote --full, a
        // manual promote): the canary is stable, but canary-gate cannot call that a pass.
        const unmeasured = this.plan.steps.flatMap((step, index) => (step.kind === 'analysis' && index >= first && !this.gatesMeasured.has(index) ? [index] : []));
        for (const step of this.steps) {
            if (step.result !== 'running' && step.result !== 'not reached')
                continue;
            if (unmeasured.includes(step.index))
                this.finishStep(step.index, 'skipped', 'promoted past outside canary-gate, not measured');
            else if (step.index < first)
                this.finishStep(step.index, 'done', 'passed before this run began following the update');
            else
                this.finishStep(step.index, 'done');
        }
        this.log.info(`rollout ${this.client.name} promoted: ${(0,rollout/* describeState */.Jw)(state)}`);
        if (unmeasured.length) {
            this.verdicts.push('Inconclusive');
            this.reasons.push(`the rollout became stable, but the analysis of step${unmeasured.length > 1 ? 's' : ''} ${unmeasured.map((i) => `${i + 1}/${this.plan.steps.length}`).join(', ')} never ran: it was promoted past outside canary-gate`);
        }
        else
            this.reasons.push(`the canary went through all ${this.plan.steps.length} steps and is now stable`);
        if (first > 0)
            this.notes.push(`this run began following the update at step ${first + 1}; the steps before it had passed already`);
    }
    async timedOut() {
        const reason = `the run did not finish within the timeout (${(0,duration/* formatDuration */.a3)(this.inputs.timeoutMs)})`;
        this.verdicts.push('Error');
        this.reasons.push(reason);
        await this.onFailure(reason, this.last ?? (await this.client.get()));
    }
    /**
     * An analysis that reached its verdict on its own just before the cancellation still counts:
     * its failure is reported, and an abort it calls for (on-failure or on-inconclusive: abort) is
     * made by the cancel path whatever abort-on-cancel says. Nothing is ever promoted on a cancel.
     */
    decidedBeforeCancel(label, outcome) {
        if (outcome.ending !== 'decided' && outcome.ending !== 'completed')
            return;
        if (outcome.verdict === 'Successful')
            return;
        this.verdicts.push(outcome.verdict);
        this.reasons.push(...outcome.reasons.map((reason) => `${label}: ${reason}`));
        const action = outcome.verdict === 'Inconclusive' ? this.inputs.onInconclusive : this.inputs.onFailure;
        if (action === 'abort')
            this.abortDecided = true;
    }
    /** The cancel path, run once however many places notice the cancellation. */
    cancelled() {
        this.cancelling ??= this.cancelNow();
        return this.cancelling;
    }
    /**
     * Aborts the canary this run started (abort-on-cancel) within CANCEL_BUDGET_MS of real time, on a
     * kubectl of its own with a short request timeout, so a hanging API server cannot keep the step
     * from reporting; the runner's second signal cuts the wait for the abort to show.
     */
    async cancelNow() {
        this.kubectl.stopWrites('the workflow was cancelled');
        this.verdicts.push('Inconclusive');
        this.reasons.unshift('the workflow was cancelled');
        const mayHaveStarted = this.started || this.startRequested || this.driving;
        if (!mayHaveStarted) {
            this.notes.push('the workflow was cancelled before the canary started: nothing to abort');
            return;
        }
        if (!this.inputs.abortOnCancel && !this.abortDecided) {
            this.notes.push('abort-on-cancel is false: the rollout was left as it was');
            return;
        }
        if (this.kubectl.dryRun)
            return;
        const budget = AbortSignal.any([AbortSignal.timeout(CANCEL_BUDGET_MS), ...(this.context.hurry ? [this.context.hurry] : [])]);
        // One attempt per call: a retry would not fit the budget when the API server hangs.
        const kubectl = this.kubectl.derive({ requestTimeoutSeconds: CANCEL_REQUEST_TIMEOUT_S, attempts: 1, clock: clock/* systemClock */.ml });
        const client = new rollout/* RolloutClient */.$n(kubectl, this.client.name, this.client.namespace, this.log);
        const c = this.client.commands();
        try {
            const state = await client.get().catch(() => this.last);
            if (state?.abort) {
                this.outcome = 'aborted';
                this.notes.push('the rollout was already aborted when the workflow was cancelled');
                return;
            }
            if (state && completed(state) && this.outcome === 'promoted')
                return;
            this.context.progress?.(this.result());
            const reason = this.abortDecided && !this.inputs.abortOnCancel ? 'the abort the gate had decided, sent again as the workflow was cancelled' : 'the workflow was cancelled (abort-on-cancel)';
            if (!state) {
                // Never read (the API server hung from the start): abort blind rather than leave a canary running.
                this.log.info(`aborting rollout ${client.name}: ${reason}`);
                await client.abort();
                this.outcome = 'aborted';
                this.notes.push('the abort was sent without seeing the rollout first: the API server did not answer');
                return;
            }
            const { record, state: after } = await (0,kube_watch/* abortAndConfirm */.aL)(client, state, reason, {
                clock: clock/* systemClock */.ml,
                log: this.log,
                pollMs: 500,
                confirmMs: CANCEL_BUDGET_MS,
                signal: budget
            });
            this.abort = record;
            this.last = after;
            this.outcome = 'aborted';
        }
        catch (error) {
            const message = error.message;
            this.log.error(`the abort on cancel failed: ${message}; abort by hand: ${c.abort}`);
            this.reasons.push(`the workflow was cancelled and the abort could not be sent (${message}): abort by hand with ${c.abort}`);
        }
    }
    nothingToDo(why) {
        this.log.info(`nothing to roll out: ${why}`);
        this.notes.push(`nothing to roll out: ${why}`);
    }
    /** dry-run: every analysis step measured in order, and what the gate would do at each. */
    async rehearse(state) {
        this.notes.push('dry run: nothing in the cluster was changed; the commands it would have run are in the log, and each analysis step was measured once, in order, without waiting for the controller');
        for (const [index, step] of this.plan.steps.entries()) {
            if (step.kind !== 'analysis') {
                this.steps[index].result = 'would run';
                continue;
            }
            const outcome = await this.measure(`step ${index + 1}/${this.plan.steps.length}`, step.gate, state, index);
            if (typeof outcome === 'string')
                return;
            if (outcome.metrics.every((m) => m.spec.dryRun)) {
                // Job metrics do not run in a dry run: nothing was measured, so nothing can pass.
                this.analyses.push({ label: `step ${index + 1}/${this.plan.steps.length}`, stepIndex: index, templates: step.gate.templates.map((t) => t.name), outcome });
                this.verdicts.push('Inconclusive');
                this.finishStep(index, 'skipped', 'dry run: its metrics are Jobs, which a dry run does not create');
                this.reasons.push(`step ${index + 1}: not measured in a dry run (job metrics), so the dry run cannot say it would pass`);
                continue;
            }
            this.analyses.push({ label: `step ${index + 1}/${this.plan.steps.length}`, stepIndex: index, templates: step.gate.templates.map((t) => t.name), outcome });
            this.verdicts.push(outcome.verdict);
            if (outcome.verdict === 'Successful') {
                this.finishStep(index, 'passed', 'dry run: would promote');
                this.log.info(`dry-run: step ${index + 1} Successful, would promote`);
                continue;
            }
            const action = outcome.verdict === 'Inconclusive' ? this.inputs.onInconclusive : this.inputs.onFailure;
            this.finishStep(index, outcome.verdict === 'Inconclusive' ? 'inconclusive' : 'failed', `dry run: would ${action}`);
            this.reasons.push(...outcome.reasons.map((reason) => `step ${index + 1}: ${reason}`), `dry run: the gate would ${action} here`);
            for (const later of this.steps)
                if (later.index > index)
                    later.result = 'skipped';
            return;
        }
    }
    result() {
        const verdict = this.verdicts.length ? (0,run/* verdictOf */.Vj)((0,run/* worstPhase */.V7)(this.verdicts)) : 'Successful';
        const c = this.client.commands();
        const nextSteps = this.outcome === 'paused' ? [c.promote, c.abort] : this.outcome === 'aborted' || this.abortedBefore ? [c.retry, c.status] : [c.status];
        const last = this.last;
        return {
            command: 'run',
            verdict,
            outcome: this.outcome,
            // Copies: a snapshot handed to the check is rendered later, while the run goes on.
            reasons: this.reasons.length ? [...this.reasons] : verdict === 'Successful' && this.analyses.length ? ['every analysis passed'] : [],
            startedAt: this.startedAt,
            finishedAt: this.clock.now(),
            analyses: [...this.analyses],
            configErrors: [],
            notes: [...this.notes],
            steps: this.steps.map((step) => ({ ...step })),
            rollout: {
                name: this.client.name,
                namespace: this.client.namespace,
                image: this.inputs.image ? `${this.inputs.image.container}=${this.inputs.image.image}` : undefined,
                stableRevision: last?.stableRS,
                canaryRevision: last?.currentPodHash,
                before: this.before,
                after: last ? (0,rollout/* describeState */.Jw)(last) : undefined,
                path: this.client.usePlugin ? 'plugin' : 'patches'
            },
            abort: this.abort,
            stepsDiff: this.stepsDiff,
            nextSteps,
            kubectl: { calls: this.kubectl.calls - this.callsBeforeWatch, watchedMs: this.watchStartedAt === undefined ? 0 : this.clock.now() - this.watchStartedAt }
        };
    }
}
async function run_run(context) {
    const plan = await context.log.group('Loading the plan', () => loadPlan(context));
    return new RolloutRun(context, plan).drive();
}

;// CONCATENATED MODULE: ./src/commands/manage.ts
// commands promote, abort, retry and status — for workflow_dispatch workflows where a person
// decides. Each reports the rollout's state before and after.



/** How long a command waits for the controller to show its effect. */
const SETTLE_MS = 2 * 60_000;
/** status: Healthy is done, Degraded failed, anything else is not finished. */
function verdictOfState(state) {
    if (state.phase === 'Healthy')
        return 'Successful';
    if (state.phase === 'Degraded')
        return 'Failed';
    return 'Inconclusive';
}
async function manage(context) {
    const { inputs, clock, log } = context;
    const startedAt = clock.now();
    const kubectl = (0,kube_kubectl/* kubectlFromInputs */.I7)(inputs, log, clock);
    const client = new rollout/* RolloutClient */.$n(kubectl, inputs.rollout, inputs.namespace, log);
    const reasons = [];
    const notes = [];
    let verdict = 'Successful';
    let outcome = 'none';
    let abort;
    let before;
    let after;
    const watch = { clock, log, pollMs: Math.min(inputs.pollIntervalMs, 2000), until: clock.now() + Math.min(SETTLE_MS, inputs.timeoutMs), signal: context.signal };
    try {
        if (inputs.command !== 'status')
            client.announcePath();
        before = await client.get();
        log.info(`before: ${(0,rollout/* describeState */.Jw)(before)}`);
        switch (inputs.command) {
            case 'status':
                verdict = verdictOfState(before);
                reasons.push(`rollout ${client.name} is ${(0,rollout/* describeState */.Jw)(before)}`);
                after = before;
                break;
            case 'promote': {
                const waiting = before.paused || before.pauseConditions.length > 0 || (before.currentPodHash !== before.stableRS && !before.abort);
                if (!waiting) {
                    notes.push('nothing to promote: the rollout is not paused and not in the middle of an update');
                    after = before;
                    break;
                }
                const from = before;
                await client.promote(inputs.full, from);
                outcome = 'promoted';
                reasons.push(inputs.full ? 'promoted to the end: the remaining steps and analyses are skipped' : 'promoted past the current step');
                if (!kubectl.dryRun) {
                    const moved = (s) => inputs.full ? s.phase === 'Healthy' && s.currentPodHash === s.stableRS : s.currentStepIndex !== from.currentStepIndex || s.pauseConditions.length < from.pauseConditions.length || s.paused !== from.paused || s.phase !== from.phase;
                    const { state, met } = await (0,kube_watch/* waitUntil */.a0)(client, moved, watch);
                    after = state;
                    if (!met)
                        notes.push('the controller had not acted on the promotion when canary-gate stopped watching');
                }
                break;
            }
            case 'abort': {
                if (before.abort) {
                    notes.push('the rollout was already aborted');
                    after = before;
                    break;
                }
                const result = await (0,kube_watch/* abortAndConfirm */.aL)(client, before, 'requested with command: abort', { ...watch, confirmMs: SETTLE_MS, dryRun: kubectl.dryRun });
                abort = result.record;
                after = result.state;
                outcome = 'aborted';
                reasons.push(`aborted: canary traffic ${before.canaryWeight}% → ${result.state.canaryWeight}%`);
                if (!kubectl.dryRun && result.record.confirmedAt === undefined) {
                    verdict = 'Error';
                    reasons.push('the rollout did not report the abort in time');
                }
                break;
            }
            case 'retry': {
                if (!before.abort) {
                    notes.push('nothing to retry: the rollout is not aborted');
                    after = before;
                    break;
                }
                await client.retry();
                reasons.push('retried: the canary starts again from the first step');
                if (!kubectl.dryRun) {
                    const { state, met } = await (0,kube_watch/* waitUntil */.a0)(client, (s) => !s.abort && s.phase !== 'Degraded', watch);
                    after = state;
                    if (!met) {
                        verdict = 'Error';
                        reasons.push('the rollout still reports the abort');
                    }
                }
                break;
            }
            default:
                throw new Error(`not a rollout command: ${inputs.command}`);
        }
    }
    catch (error) {
        if (!(error instanceof kube_kubectl/* KubectlError */.xi))
            throw error;
        verdict = 'Error';
        reasons.unshift(error.notFound && !before ? `rollout ${client.name} was not found in namespace ${client.namespace} (${error.message})` : error.message);
    }
    after ??= before;
    if (after && after !== before)
        log.info(`after: ${(0,rollout/* describeState */.Jw)(after)}`);
    if (kubectl.dryRun)
        notes.push('dry run: nothing in the cluster was changed; the commands it would have run are in the log');
    const c = client.commands();
    return {
        command: inputs.command,
        verdict,
        outcome,
        reasons,
        startedAt,
        finishedAt: clock.now(),
        analyses: [],
        configErrors: [],
        notes,
        rollout: {
            name: client.name,
            namespace: client.namespace,
            stableRevision: after?.stableRS,
            canaryRevision: after?.currentPodHash,
            before: before ? (0,rollout/* describeState */.Jw)(before) : undefined,
            after: after ? (0,rollout/* describeState */.Jw)(after) : undefined,
            path: client.usePlugin ? 'plugin' : 'patches'
        },
        abort,
        nextSteps: outcome === 'aborted' ? [c.retry, c.status] : [c.status]
    };
}

;// CONCATENATED MODULE: ./src/commands/cluster.ts
// The commands that drive a Rollout in the cluster, loaded together on demand (one chunk: they share
// the kubectl wrapper and the Rollout client).




/***/ })

};
