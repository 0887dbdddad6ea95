export const id = 2;
export const ids = [2];
export const modules = {

/***/ 9283:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   I7: () => (/* binding */ kubectlFromInputs),
/* harmony export */   bx: () => (/* binding */ Kubectl),
/* harmony export */   xi: () => (/* binding */ KubectlError)
/* harmony export */ });
/* unused harmony exports actionsExec, isTransient, displayCommand, WritesStopped */
/* harmony import */ var _actions_exec__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2876);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3024);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1___default = /*#__PURE__*/__webpack_require__.n(node_fs__WEBPACK_IMPORTED_MODULE_1__);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(6760);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_2___default = /*#__PURE__*/__webpack_require__.n(node_path__WEBPACK_IMPORTED_MODULE_2__);
/* harmony import */ var _secrets_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(7194);
// The one way canary-gate runs kubectl: an argument array through @actions/exec (never a shell),
// the kubeconfig from the environment, an optional context, a request timeout on every call,
// transient failures retried with backoff, stderr carried in every error, and in dry-run mode
// every write printed instead of run.




const actionsExec = async (program, args, options) => (0,_actions_exec__WEBPACK_IMPORTED_MODULE_0__/* .getExecOutput */ .H)(program, args, {
    silent: true,
    ignoreReturnCode: true,
    input: options.input === undefined ? undefined : Buffer.from(options.input),
    env: options.env
});
/** kubectl as the action's inputs configure it: context, dry run, request timeout. */
function kubectlFromInputs(inputs, log, clock) {
    return new Kubectl({ log, clock, context: inputs.kubeContext, dryRun: inputs.dryRun, requestTimeoutSeconds: Math.max(1, Math.ceil(inputs.kubectlTimeoutMs / 1000)) });
}
class KubectlError extends Error {
    args;
    exitCode;
    stderr;
    transient;
    constructor(args, exitCode, stderr, transient) {
        super(`kubectl ${args.slice(0, 3).join(' ')} failed (exit ${exitCode}): ${firstLines(stderr) || 'no message'}`);
        this.args = args;
        this.exitCode = exitCode;
        this.stderr = stderr;
        this.transient = transient;
        this.name = 'KubectlError';
    }
    /** The API server said the object does not exist. */
    get notFound() {
        return /\(NotFound\)|not found/i.test(this.stderr);
    }
}
function firstLines(text, max = 3) {
    return text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean)
        .slice(0, max)
        .join(' / ');
}
/** Failures worth another try: the API server or the network, not the request. */
const TRANSIENT = /Unable to connect to the server|connection refused|connection reset|i\/o timeout|TLS handshake timeout|context deadline exceeded|Client\.Timeout|request canceled|timed out|Timeout exceeded|the server is currently unable to handle the request|\((ServiceUnavailable|InternalError|TooManyRequests|Timeout|ServerTimeout)\)|etcdserver|http2: client connection lost|unexpected EOF|: EOF\b/i;
function isTransient(stderr) {
    return TRANSIENT.test(stderr);
}
/** An argument list as a person would type it, for the log (single-quoted where needed). */
function displayCommand(program, args) {
    const quote = (arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
    return [program, ...args].map(quote).join(' ');
}
/** A write refused because the run was cancelled: from then on only the cancel path changes the cluster. */
class WritesStopped extends Error {
    constructor(reason) {
        super(`not changing the cluster: ${reason}`);
        this.name = 'WritesStopped';
    }
}
class Kubectl {
    options;
    /** kubectl processes started (for the "calls per minute while watching" figure). */
    calls = 0;
    pluginFound;
    stoppedBecause;
    exec;
    program;
    constructor(options) {
        this.options = options;
        this.exec = options.exec ?? actionsExec;
        this.program = options.program ?? 'kubectl';
    }
    get dryRun() {
        return Boolean(this.options.dryRun);
    }
    /**
     * Refuses every later write. When the workflow is cancelled the gate's own loop may still be
     * inside a call; whatever it decides when that call returns (a promote, say) must not reach the
     * cluster: only the cancel path, on its own Kubectl, still writes.
     */
    stopWrites(reason) {
        this.stoppedBecause ??= reason;
    }
    /** The same kubectl with other bounds: the cancel path's short request timeout and few attempts. */
    derive(overrides) {
        return new Kubectl({ ...this.options, ...overrides });
    }
    fullArgs(args) {
        const out = [...args, `--request-timeout=${this.options.requestTimeoutSeconds ?? 30}s`];
        if (this.options.context)
            out.push(`--context=${this.options.context}`);
        return out;
    }
    async call(args, input) {
        const full = this.fullArgs(args);
        const attempts = this.options.attempts ?? 4;
        for (let attempt = 1;; attempt++) {
            this.calls++;
            let result;
            try {
                result = await this.exec(this.program, full, { input });
            }
            catch (error) {
                // exec throws when the program cannot be started at all.
                throw new KubectlError(args, -1, `cannot run ${this.program}: ${error.message}`, false);
            }
            if (result.exitCode === 0)
                return result.stdout;
            const transient = isTransient(result.stderr);
            if (!transient || attempt >= attempts)
                throw new KubectlError(args, result.exitCode, result.stderr, transient);
            const delay = Math.min(8000, 500 * 2 ** (attempt - 1));
            this.options.log.info(`kubectl ${args.slice(0, 3).join(' ')}: ${firstLines(result.stderr, 1)}; retry ${attempt} in ${delay}ms`);
            await this.options.clock.sleep(delay);
        }
    }
    /** A call that only reads the cluster: it runs in dry-run mode too. */
    read(args) {
        return this.call(args);
    }
    async readJson(args) {
        const text = await this.read([...args, '-o', 'json']);
        try {
            return JSON.parse(text);
        }
        catch {
            throw new KubectlError(args, 0, `kubectl printed something that is not JSON: ${(0,_secrets_js__WEBPACK_IMPORTED_MODULE_3__/* .shorten */ .ml)(text, 120)}`, false);
        }
    }
    /**
     * A call that changes the cluster: logged as the command a person would type, and in dry-run mode
     * only logged. Returns stdout, or undefined in dry-run mode. After stopWrites() only `safe`
     * calls (an abort, deleting what the gate created) still run.
     */
    async write(args, options = {}) {
        const shown = displayCommand(this.program, this.options.context ? [...args, `--context=${this.options.context}`] : args);
        // Writes that only make things safer (an abort, deleting the gate's own Jobs) still run.
        if (this.stoppedBecause !== undefined && !options.safe)
            throw new WritesStopped(this.stoppedBecause);
        if (this.dryRun) {
            this.options.log.info(`dry-run, would run: ${shown}${options.input ? `  (stdin: ${options.what ?? 'a manifest'})` : ''}`);
            return undefined;
        }
        this.options.log.info(`$ ${shown}`);
        return this.call(args, options.input);
    }
    /** Whether `kubectl argo rollouts` is installed: kubectl finds plugins as kubectl-* on PATH. */
    hasArgoPlugin() {
        if (this.pluginFound === undefined) {
            const dirs = (this.options.env ?? process.env).PATH?.split((node_path__WEBPACK_IMPORTED_MODULE_2___default().delimiter)) ?? [];
            this.pluginFound = dirs.some((dir) => {
                try {
                    (0,node_fs__WEBPACK_IMPORTED_MODULE_1__.accessSync)(node_path__WEBPACK_IMPORTED_MODULE_2___default().join(dir, 'kubectl-argo-rollouts'), node_fs__WEBPACK_IMPORTED_MODULE_1__.constants.X_OK);
                    return true;
                }
                catch {
                    return false;
                }
            });
        }
        return this.pluginFound;
    }
}


/***/ }),

/***/ 4236:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   $n: () => (/* binding */ RolloutClient),
/* harmony export */   Jw: () => (/* binding */ describeState),
/* harmony export */   Vw: () => (/* binding */ inProgress)
/* harmony export */ });
/* unused harmony export parseRollout */
/* harmony import */ var _inputs_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8422);
/* harmony import */ var _kubectl_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9283);
// One Argo Rollout in the cluster: read it (kubectl get -o json: the plugin has no JSON output) and
// change it, through `kubectl argo rollouts` when the plugin is installed, or otherwise with the
// very patches the plugin issues (see the reference), so a runner with only kubectl works too.


const obj = (value) => (value && typeof value === 'object' && !Array.isArray(value) ? value : {});
const num = (value) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const str = (value) => (typeof value === 'string' ? value : undefined);
/**
 * Without traffic routing Argo reports no weights; the canary then gets the weight of the last
 * setWeight step it passed (by replica count), none after an abort or once it is stable.
 */
function plannedWeight(steps, index, aborted) {
    if (aborted || index === undefined || index >= steps.length)
        return 0;
    let weight = 0;
    for (const step of steps.slice(0, index)) {
        const value = step?.setWeight;
        if (typeof value === 'number')
            weight = value;
    }
    return weight;
}
function parseRollout(raw) {
    const root = obj(raw);
    const metadata = obj(root.metadata);
    const spec = obj(root.spec);
    const status = obj(root.status);
    const canary = obj(obj(spec.strategy).canary);
    const weights = obj(obj(status.canary).weights);
    const steps = Array.isArray(canary.steps) ? canary.steps : [];
    const canaryWeight = num(obj(weights.canary).weight) ?? plannedWeight(steps, num(status.currentStepIndex), status.abort === true);
    const containers = Array.isArray(obj(obj(spec.template).spec).containers) ? obj(obj(spec.template).spec).containers : [];
    return {
        name: str(metadata.name) ?? '',
        namespace: str(metadata.namespace) ?? '',
        generation: num(metadata.generation) ?? 0,
        observedGeneration: status.observedGeneration ?? undefined,
        steps,
        paused: spec.paused === true,
        containers: containers.map((c) => ({ name: str(c.name) ?? '', image: str(c.image) })),
        phase: str(status.phase) ?? '',
        message: str(status.message) ?? '',
        currentStepIndex: num(status.currentStepIndex),
        pauseConditions: Array.isArray(status.pauseConditions) ? status.pauseConditions.map((p) => ({ reason: str(p.reason) ?? '', startTime: str(p.startTime) })) : [],
        controllerPause: status.controllerPause === true,
        abort: status.abort === true,
        abortedAt: str(status.abortedAt),
        promoteFull: status.promoteFull === true,
        stableRS: str(status.stableRS),
        currentPodHash: str(status.currentPodHash),
        canaryWeight,
        stableWeight: num(obj(weights.stable).weight) ?? 100 - canaryWeight,
        labels: obj(metadata.labels),
        annotations: obj(metadata.annotations),
        raw: root
    };
}
/** A rollout in the middle of an update: a canary revision that is not yet stable. */
function inProgress(state) {
    return Boolean(state.currentPodHash && state.stableRS && state.currentPodHash !== state.stableRS) && !state.abort;
}
/** One line for the log and the report: phase, step, weight, pause. */
function describeState(state) {
    if (state.phase === 'Healthy' && state.currentPodHash && state.currentPodHash === state.stableRS && !state.abort) {
        return `Healthy, all traffic on revision ${state.stableRS}${state.message ? ` — ${state.message}` : ''}`;
    }
    // After an abort Argo resets the step index; the step would mislead.
    const step = state.currentStepIndex === undefined || state.abort ? '' : `, step ${Math.min(state.currentStepIndex + 1, state.steps.length)}/${state.steps.length}`;
    const pause = state.pauseConditions.length ? `, paused (${state.pauseConditions.map((p) => p.reason).join(', ')})` : state.paused ? ', paused by a user' : '';
    const message = state.message ? ` — ${state.message}` : '';
    return `${state.phase || 'unknown'}${step}, canary ${state.canaryWeight}%${pause}${state.abort ? ', aborted' : ''}${message}`;
}
class RolloutClient {
    kubectl;
    name;
    namespace;
    log;
    usePlugin;
    constructor(kubectl, name, namespace, log) {
        this.kubectl = kubectl;
        this.name = name;
        this.namespace = namespace;
        this.log = log;
        // Names reach kubectl as arguments; they were checked as inputs, and are checked again here
        // so no caller can hand kubectl an option disguised as a name.
        for (const [value, kind] of [
            [name, 'name'],
            [namespace, 'label']
        ]) {
            const problem = (0,_inputs_js__WEBPACK_IMPORTED_MODULE_0__/* .checkKubernetesName */ .qi)(value, kind);
            if (problem)
                throw new Error(`refusing to run kubectl: ${problem}`);
        }
        this.usePlugin = kubectl.hasArgoPlugin();
    }
    /** Says which way changes are made, once, in the log. */
    announcePath() {
        this.log.info(this.usePlugin
            ? 'kubectl argo rollouts plugin found on PATH: promote, abort, retry and set image go through it'
            : 'kubectl argo rollouts plugin not found: canary-gate issues the same patches the plugin would, with kubectl patch');
    }
    async get() {
        return parseRollout(await this.kubectl.readJson(['get', 'rollout', this.name, '-n', this.namespace]));
    }
    async statusPatch(patch, safe = false) {
        const text = JSON.stringify(patch);
        try {
            await this.kubectl.write(['patch', 'rollout', this.name, '-n', this.namespace, '--subresource=status', '--type=merge', '-p', text], { safe });
        }
        catch (error) {
            // Servers without the status subresource: the plugin retries on the main resource.
            if (error instanceof _kubectl_js__WEBPACK_IMPORTED_MODULE_1__/* .KubectlError */ .xi && error.notFound && /subresource|status/i.test(error.stderr)) {
                await this.kubectl.write(['patch', 'rollout', this.name, '-n', this.namespace, '--type=merge', '-p', text], { safe });
                return;
            }
            throw error;
        }
    }
    async specPatch(patch) {
        await this.kubectl.write(['patch', 'rollout', this.name, '-n', this.namespace, '--type=merge', '-p', JSON.stringify(patch)]);
    }
    async plugin(args, safe = false) {
        await this.kubectl.write(['argo', 'rollouts', ...args, '-n', this.namespace], { safe });
    }
    /** Makes the live steps these; arrays in a merge patch are replaced whole. */
    async setSteps(steps) {
        await this.specPatch({ spec: { strategy: { canary: { steps } } } });
    }
    /** Starts a new revision with this image for the container. */
    async setImage(container, image, state) {
        const problem = (0,_inputs_js__WEBPACK_IMPORTED_MODULE_0__/* .checkKubernetesName */ .qi)(container, 'label');
        if (problem)
            throw new Error(`refusing to run kubectl: container ${problem}`);
        if (this.usePlugin)
            return this.plugin(['set', 'image', this.name, `${container}=${image}`]);
        const index = state.containers.findIndex((c) => c.name === container);
        if (index < 0)
            throw new Error(`rollout ${this.name} has no container "${container}" (it has: ${state.containers.map((c) => c.name).join(', ')})`);
        // The test op makes the patch fail rather than change another container if the list moved.
        const patch = [
            { op: 'test', path: `/spec/template/spec/containers/${index}/name`, value: container },
            { op: 'replace', path: `/spec/template/spec/containers/${index}/image`, value: image }
        ];
        await this.kubectl.write(['patch', 'rollout', this.name, '-n', this.namespace, '--type=json', '-p', JSON.stringify(patch)]);
    }
    /** `kubectl argo rollouts promote [--full]`, or its patches. */
    async promote(full, state) {
        if (this.usePlugin)
            return this.plugin(['promote', this.name, ...(full ? ['--full'] : [])]);
        if (state.paused)
            await this.specPatch({ spec: { paused: false } });
        if (full) {
            await this.statusPatch({ status: { promoteFull: true } });
            return;
        }
        const inconclusive = state.pauseConditions.some((p) => p.reason === 'InconclusiveAnalysisRun');
        const index = state.currentStepIndex ?? state.steps.length;
        if (state.controllerPause && inconclusive && index < state.steps.length) {
            // An inconclusive analysis pause: clear it and move past the step, or the next pause sticks.
            await this.statusPatch({ status: { pauseConditions: null, controllerPause: false, currentStepIndex: index + 1 } });
        }
        else if (state.pauseConditions.length > 0) {
            // The controller ends a pause step when controllerPause is still set and the condition is gone.
            await this.statusPatch({ status: { pauseConditions: null } });
        }
        else if (!state.paused && index < state.steps.length) {
            // No pause to clear (e.g. the canary is running an analysis step): skip the current step.
            await this.statusPatch({ status: { pauseConditions: null, currentStepIndex: index + 1 } });
        }
    }
    /** An abort only ever makes the canary safer: it runs even after the gate stopped other writes. */
    async abort() {
        if (this.usePlugin)
            return this.plugin(['abort', this.name], true);
        await this.statusPatch({ status: { abort: true } }, true);
    }
    /** A user pause (spec.paused), as `kubectl argo rollouts pause` sets it. */
    async pause() {
        if (this.usePlugin)
            return this.plugin(['pause', this.name]);
        await this.specPatch({ spec: { paused: true } });
    }
    async retry() {
        if (this.usePlugin)
            return this.plugin(['retry', 'rollout', this.name]);
        await this.statusPatch({ status: { abort: false } });
    }
    /** The commands a person runs to act on this rollout by hand. */
    commands() {
        const target = `${this.name} -n ${this.namespace}`;
        return {
            promote: `kubectl argo rollouts promote ${target}`,
            promoteFull: `kubectl argo rollouts promote ${target} --full`,
            abort: `kubectl argo rollouts abort ${target}`,
            retry: `kubectl argo rollouts retry rollout ${target}`,
            status: `kubectl argo rollouts get rollout ${target}`
        };
    }
}


/***/ }),

/***/ 7002:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   a0: () => (/* binding */ waitUntil),
/* harmony export */   aL: () => (/* binding */ abortAndConfirm)
/* harmony export */ });
/* unused harmony export abortShown */
/* harmony import */ var _plan_duration_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2983);
/* harmony import */ var _rollout_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(4236);


/** Reads the rollout until `done(state)` or the time is up; returns the last state and whether it held. */
async function waitUntil(client, done, options) {
    for (;;) {
        const state = await client.get();
        if (done(state))
            return { state, met: true };
        if (options.clock.now() >= options.until || options.signal?.aborted)
            return { state, met: false };
        try {
            await options.clock.sleep(Math.min(options.pollMs, Math.max(0, options.until - options.clock.now())), options.signal);
        }
        catch {
            return { state, met: false };
        }
    }
}
/** Argo reports an abort as phase Degraded with the canary weight back at 0. */
function abortShown(state) {
    return state.abort && state.phase === 'Degraded' && state.canaryWeight === 0;
}
/**
 * Aborts the rollout and waits (up to `confirmMs`) until it reports the abort; every time that
 * matters is recorded, so the report can say how fast the canary's traffic went back to stable.
 */
async function abortAndConfirm(client, before, reason, options) {
    const { clock, log } = options;
    const requestedAt = clock.now();
    const lag = options.failingMeasurementAt === undefined ? '' : ` (${(0,_plan_duration_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(requestedAt - options.failingMeasurementAt)} after the failing measurement)`;
    log.info(`aborting rollout ${client.name}: ${reason}${lag}`);
    await client.abort();
    const record = { reason, failingMeasurementAt: options.failingMeasurementAt, requestedAt, weightBefore: before.canaryWeight };
    if (options.dryRun)
        return { record, state: before };
    let watched;
    try {
        watched = await waitUntil(client, abortShown, { ...options, pollMs: Math.min(options.pollMs, 1000), until: requestedAt + options.confirmMs });
    }
    catch (error) {
        // The abort was sent; only seeing it failed. Say so rather than call the abort failed.
        log.warning(`rollout ${client.name}: the abort was sent, but reading the rollout back failed: ${error.message}`);
        return { record, state: before };
    }
    const { state, met } = watched;
    record.weightAfter = state.canaryWeight;
    if (met) {
        record.confirmedAt = clock.now();
        log.info(`rollout ${client.name} aborted: canary traffic ${before.canaryWeight}% → ${state.canaryWeight}%, ${(0,_plan_duration_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(record.confirmedAt - requestedAt)} after the abort call (${(0,_rollout_js__WEBPACK_IMPORTED_MODULE_1__/* .describeState */ .Jw)(state)})`);
    }
    else {
        log.warning(`rollout ${client.name} did not report the abort within ${(0,_plan_duration_js__WEBPACK_IMPORTED_MODULE_0__/* .formatDuration */ .a3)(options.confirmMs)}: ${(0,_rollout_js__WEBPACK_IMPORTED_MODULE_1__/* .describeState */ .Jw)(state)}`);
    }
    return { record, state };
}


/***/ })

};
