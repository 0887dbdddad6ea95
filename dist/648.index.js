export const id = 648;
export const ids = [648];
export const modules = {

/***/ 9648:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  Publisher: () => (/* binding */ Publisher)
});

;// CONCATENATED MODULE: ./src/github/client.ts
// The GitHub API through @actions/github's Octokit (the runner's proxy settings included) with the
// retry and throttling plugins: 5xx answers are retried, and rate limits that clear soon are waited
// out instead of skipping the comment or the check. Loaded only when there is a token and something
// to post. Every failure that remains is classified in words a workflow author can act on: a fork's
// read-only token, missing permissions, rate limits, outages.
/** Each call may take this long before it counts as an outage. */
const REQUEST_TIMEOUT_MS = 15_000;
/** A rate limit that clears within this is waited out (once); a longer one is a warning. */
const MAX_RATE_LIMIT_WAIT_S = 60;
async function connect(token, baseUrl, warn = () => { }) {
    const [{ getOctokit }, { retry }, { throttling }] = await Promise.all([__webpack_require__.e(/* import() */ 758).then(__webpack_require__.bind(__webpack_require__, 1758)), Promise.all(/* import() */[__webpack_require__.e(251), __webpack_require__.e(735)]).then(__webpack_require__.bind(__webpack_require__, 9735)), Promise.all(/* import() */[__webpack_require__.e(251), __webpack_require__.e(856)]).then(__webpack_require__.bind(__webpack_require__, 6856))]);
    const waitOut = (kind) => (retryAfter, options, _octokit, retryCount) => {
        if (retryCount >= 1 || retryAfter > MAX_RATE_LIMIT_WAIT_S)
            return false;
        warn(`GitHub ${kind} on ${options.method ?? ''} ${options.url ?? ''}: waiting ${retryAfter}s, then trying again`);
        return true;
    };
    const octokit = getOctokit(token, {
        baseUrl,
        userAgent: 'canary-gate',
        throttle: { onRateLimit: waitOut('rate limit'), onSecondaryRateLimit: waitOut('secondary rate limit') },
        // 5xx and network failures; 4xx answers (a fork's token, a missing permission) are final.
        retry: { retries: 2 }
    }, retry, throttling);
    const withTimeout = (parameters = {}) => ({
        ...parameters,
        request: { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }
    });
    return {
        request: async (route, parameters) => {
            const response = await octokit.request(route, withTimeout(parameters));
            return { status: response.status, data: response.data, headers: response.headers };
        },
        paginate: async (route, parameters) => (await octokit.paginate(route, withTimeout(parameters)))
    };
}
/** What went wrong with a GitHub call, in words, and whether it is the token's permissions. */
function describeFailure(error) {
    const e = (error ?? {});
    const status = e.status;
    const headers = e.response?.headers ?? {};
    const message = String(e.response?.data?.message ?? e.message ?? error).split('\n')[0];
    if (status === 429 || (status === 403 && (String(headers['x-ratelimit-remaining']) === '0' || /rate limit/i.test(message)))) {
        const reset = Number(headers['x-ratelimit-reset']);
        const when = Number.isFinite(reset) && reset > 0 ? ` (resets at ${new Date(reset * 1000).toISOString().slice(11, 19)} UTC)` : '';
        return { kind: 'rate-limit', text: `GitHub API rate limit: ${message}${when}` };
    }
    if (status === 403) {
        // GitHub names the permission the call needed, e.g. "checks=write" or "issues=write; pull_requests=write".
        const needed = String(headers['x-accepted-github-permissions'] ?? '')
            .split(/[;,]\s*/)
            .filter(Boolean)
            .map((p) => p.replace('=', ': ').replace('pull_requests', 'pull-requests'));
        const permission = needed.length ? `the job needs ${needed.join(' or ')}` : 'the job needs checks: write, pull-requests: write or statuses: write';
        return { kind: 'forbidden', text: `GitHub refused the token (403 ${message}): ${permission} — or this is a pull request from a fork, whose token is read-only` };
    }
    if (status === 401)
        return { kind: 'unauthorized', text: `GitHub did not accept the token (401 ${message})` };
    if (status === 404)
        return { kind: 'not-found', text: `GitHub answered 404 ${message} (does the token reach this repository?)` };
    if (status === 422)
        return { kind: 'invalid', text: `GitHub rejected the request (422 ${message})` };
    if (status !== undefined && status >= 500)
        return { kind: 'outage', text: `GitHub API unavailable (${status} ${message})` };
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || /aborted|timed? ?out/i.test(message)) {
        return { kind: 'outage', text: `GitHub API did not answer within ${REQUEST_TIMEOUT_MS / 1000}s` };
    }
    return { kind: 'outage', text: `GitHub API call failed: ${message}` };
}

;// CONCATENATED MODULE: ./src/github/check.ts

const CHECK_TEXT_LIMIT = 65_535;
const STATUS_DESCRIPTION_LIMIT = 140;
function conclusionOf(verdict) {
    if (verdict === 'Successful')
        return 'success';
    if (verdict === 'Inconclusive')
        return 'neutral';
    return 'failure';
}
function statusStateOf(verdict) {
    if (verdict === 'Successful')
        return 'success';
    if (verdict === 'Failed')
        return 'failure';
    if (verdict === 'Inconclusive')
        return 'pending';
    return 'error';
}
function fit(text, max) {
    return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
class CheckReporter {
    api;
    target;
    warn;
    checkRunId;
    /** Check runs were refused: report through commit statuses. */
    useStatus = false;
    constructor(api, target, warn) {
        this.api = api;
        this.target = target;
        this.warn = warn;
    }
    get via() {
        return this.useStatus ? 'commit status' : 'check run';
    }
    output(title, summary) {
        return { title: fit(title, 255), summary: fit(summary, CHECK_TEXT_LIMIT) };
    }
    async status(state, description) {
        const { owner, repo, sha, name, detailsUrl } = this.target;
        await this.api.request('POST /repos/{owner}/{repo}/statuses/{sha}', {
            owner,
            repo,
            sha,
            state,
            context: name,
            description: fit(description, STATUS_DESCRIPTION_LIMIT),
            ...(detailsUrl ? { target_url: detailsUrl } : {})
        });
    }
    async start(title, summary) {
        const { owner, repo, sha, name, detailsUrl } = this.target;
        try {
            const { data } = await this.api.request('POST /repos/{owner}/{repo}/check-runs', {
                owner,
                repo,
                name,
                head_sha: sha,
                status: 'in_progress',
                started_at: new Date().toISOString(),
                output: this.output(title, summary),
                ...(detailsUrl ? { details_url: detailsUrl } : {})
            });
            this.checkRunId = data.id;
        }
        catch (error) {
            if (describeFailure(error).kind !== 'forbidden')
                throw error;
            // No checks: write (or a fork): a commit status says the same in fewer words.
            this.warn(`check runs were refused (${describeFailure(error).text}); trying a commit status instead`);
            this.useStatus = true;
            await this.status('pending', title);
        }
    }
    async update(title, summary) {
        if (this.useStatus)
            return this.status('pending', title);
        if (this.checkRunId === undefined)
            return;
        const { owner, repo } = this.target;
        await this.api.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { owner, repo, check_run_id: this.checkRunId, output: this.output(title, summary) });
    }
    async complete(verdict, title, summary) {
        if (!this.useStatus && this.checkRunId === undefined)
            await this.start(title, summary);
        if (this.useStatus)
            return this.status(statusStateOf(verdict), title);
        if (this.checkRunId === undefined)
            return;
        const { owner, repo } = this.target;
        await this.api.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
            owner,
            repo,
            check_run_id: this.checkRunId,
            status: 'completed',
            conclusion: conclusionOf(verdict),
            completed_at: new Date().toISOString(),
            output: this.output(title, summary)
        });
    }
}

;// CONCATENATED MODULE: ./src/github/comment.ts
/** The hidden first line that names whose comment it is. */
function stickyMarker(key) {
    return `<!-- canary-gate:sticky ${key.replace(/-->/g, '')} -->`;
}
/**
 * The login this token writes as, when GitHub says (a personal token); installation tokens such as
 * GITHUB_TOKEN cannot ask (403), and then the comment is recognised as a bot's.
 */
async function tokenLogin(api) {
    try {
        const { data } = await api.request('GET /user');
        return data.login;
    }
    catch {
        return undefined;
    }
}
async function upsertComment(api, repo, issue, marker, body) {
    const login = await tokenLogin(api);
    const comments = (await api.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: issue, per_page: 100 }));
    const mine = comments.filter((c) => c.body?.includes(marker) && (login ? c.user?.login === login : c.user?.type === 'Bot'));
    const existing = mine[mine.length - 1];
    if (existing) {
        const { data } = await api.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...repo, comment_id: existing.id, body });
        return { action: 'updated', url: data.html_url };
    }
    const { data } = await api.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: issue, body });
    return { action: 'created', url: data.html_url };
}
/** The pull request a pushed or dispatched commit came from: merged by it, or with it as head. */
async function pullRequestOf(api, repo, sha) {
    const { data } = await api.request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', { ...repo, commit_sha: sha });
    const pulls = (Array.isArray(data) ? data : []);
    const chosen = pulls.find((p) => p.merge_commit_sha === sha) ?? pulls.find((p) => p.head?.sha === sha && p.state === 'open') ?? pulls[0];
    return chosen?.number;
}

;// CONCATENATED MODULE: ./src/github/publisher.ts



/** The renderer, loaded on demand and shared with the job summary's (one chunk in the bundle). */
const renderer = () => __webpack_require__.e(/* import() */ 17).then(__webpack_require__.bind(__webpack_require__, 1017));
/** How often a running check is updated at most, in real milliseconds. */
const PROGRESS_EVERY_MS = 5000;
class Publisher {
    settings;
    context;
    secrets;
    log;
    connectTo;
    api;
    check;
    queue = Promise.resolve();
    lastProgress = { at: 0, key: '' };
    checkOff = false;
    /** Set once the final report is on its way: late progress must not overwrite it. */
    finished = false;
    constructor(settings, context, secrets, log, connectTo = connect) {
        this.settings = settings;
        this.context = context;
        this.secrets = secrets;
        this.log = log;
        this.connectTo = connectTo;
        if (context.pullRequest?.fork) {
            log.notice('this pull request comes from a fork: its token is read-only, so the comment and the check will likely be refused; the job summary has the report');
        }
    }
    get repo() {
        return this.context.owner && this.context.repo ? { owner: this.context.owner, repo: this.context.repo } : undefined;
    }
    client() {
        this.api ??= this.connectTo(this.settings.token, this.context.apiUrl, (message) => this.log.info(message));
        return this.api;
    }
    /** Runs GitHub work one call after another; a failure becomes a warning, never an exception. */
    enqueue(what, work) {
        this.queue = this.queue.then(work).catch((error) => {
            const failure = describeFailure(error);
            this.log.warning(this.secrets.redact(`${what} skipped: ${failure.text}`));
            if (what.startsWith('check') && ['forbidden', 'unauthorized', 'rate-limit'].includes(failure.kind))
                this.checkOff = true;
        });
        return this.queue;
    }
    /** The check, created in_progress the first time there is a plan to show. */
    ensureCheck(title, summary) {
        if (this.check || this.checkOff)
            return;
        const repo = this.repo;
        if (!repo || !this.context.sha) {
            this.log.notice('no repository or commit in the environment: the check is skipped');
            this.checkOff = true;
            return;
        }
        this.check = new CheckReporter({ request: async (...args) => (await this.client()).request(...args), paginate: async (...args) => (await this.client()).paginate(...args) }, { ...repo, sha: this.context.sha, name: this.settings.checkName, detailsUrl: this.context.runUrl }, (message) => this.log.warning(this.secrets.redact(message)));
        const check = this.check;
        void this.enqueue('check', () => check.start(title, summary));
    }
    /** Shows how the run stands in the check: created with the plan, then updated as steps finish. */
    progress(snapshot) {
        if (this.checkOff || this.finished)
            return;
        const key = (snapshot.steps ?? []).map((s) => s.result).join(',') + snapshot.analyses.length;
        const now = Date.now();
        const first = !this.check;
        if (!first && (key === this.lastProgress.key || now - this.lastProgress.at < PROGRESS_EVERY_MS))
            return;
        this.lastProgress = { at: now, key };
        void renderer()
            .then(({ progressTitle, renderReport }) => {
            if (this.finished)
                return;
            const safe = this.secrets.redactDeep(snapshot);
            const summary = this.secrets.redact(renderReport(safe, { context: this.context }));
            const title = this.secrets.redact(progressTitle(safe));
            if (first)
                this.ensureCheck(title, summary);
            else
                void this.enqueue('check update', async () => this.check?.update(title, summary));
        })
            .catch((error) => this.log.warning(`check update skipped: ${error.message}`));
    }
    /** Completes the check and writes the sticky comment (`result` already redacted by finish). */
    async finish(result) {
        this.finished = true;
        const { headlineText, renderReport } = await renderer();
        const safe = this.secrets.redactDeep(result);
        const headline = headlineText(safe);
        const title = this.secrets.redact(result.verdict === 'Inconclusive' ? `Needs a human: ${headline}` : headline);
        if (!this.checkOff) {
            const summary = this.secrets.redact(renderReport(safe, { context: this.context }));
            this.ensureCheck(title, summary);
            void this.enqueue('check', async () => {
                await this.check?.complete(result.verdict, title, summary);
                if (this.check)
                    this.log.info(`${this.check.via} "${this.settings.checkName}" on ${this.context.sha?.slice(0, 7)}: ${result.verdict}`);
            });
        }
        if (this.settings.comment && this.settings.command !== 'status')
            await this.comment(safe);
        await this.queue;
    }
    async comment(result) {
        const repo = this.repo;
        if (!repo)
            return;
        const key = this.settings.rollout ? `rollout=${this.settings.rollout.name} namespace=${this.settings.rollout.namespace}` : `analyze check=${this.settings.checkName}`;
        const marker = stickyMarker(key);
        const { renderReport } = await renderer();
        await this.enqueue('PR comment', async () => {
            const api = await this.client();
            let issue = this.context.pullRequest?.number;
            if (issue === undefined && this.context.sha)
                issue = await pullRequestOf(api, repo, this.context.sha);
            if (issue === undefined) {
                this.log.info(`no pull request for commit ${this.context.sha?.slice(0, 7) ?? '?'}: no PR comment`);
                return;
            }
            const body = this.secrets.redact(renderReport(result, { context: this.context, marker }));
            const { action, url } = await upsertComment(api, repo, issue, marker, body);
            this.log.info(`PR #${issue} comment ${action}${url ? `: ${url}` : ''}`);
        });
    }
}


/***/ })

};
