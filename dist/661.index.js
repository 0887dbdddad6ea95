export const id = 661;
export const ids = [661];
export const modules = {

/***/ 6661:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   post: () => (/* binding */ post)
/* harmony export */ });
/* harmony import */ var _clock_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(9373);
/* harmony import */ var _kube_kubectl_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9283);
/* harmony import */ var _kube_rollout_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(4236);
/* harmony import */ var _kube_watch_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(7002);
/* harmony import */ var _log_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(5625);
/* harmony import */ var _post_state_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(8653);
/* harmony import */ var _report_markdown_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(4285);
/* harmony import */ var _runner_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(4813);
/* harmony import */ var _secrets_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(7194);
// The post step (action.yml `runs.post`, `post-if: always()`): the safety net behind the main step's
// own cancel path. When the runner killed the main step before it could settle a canary it had
// started (or the main step's abort did not go through), this step aborts the rollout — if
// abort-on-cancel — and says so in the log and the job summary. Otherwise it does nothing.









/** The post step has its own few seconds before the runner moves on: every call is short. */
const REQUEST_TIMEOUT_S = 5;
const CONFIRM_MS = 20_000;
async function post(runner = (0,_runner_js__WEBPACK_IMPORTED_MODULE_6__/* .coreRunner */ .s)()) {
    const log = (0,_log_js__WEBPACK_IMPORTED_MODULE_4__/* .runnerLogger */ .hB)(runner, new _secrets_js__WEBPACK_IMPORTED_MODULE_7__/* .Secrets */ .Sb((value) => runner.setSecret(value)));
    const started = (0,_post_state_js__WEBPACK_IMPORTED_MODULE_8__/* .parseState */ .Bu)(runner.getState(_post_state_js__WEBPACK_IMPORTED_MODULE_8__/* .STARTED_STATE */ .Cq));
    const finished = (0,_post_state_js__WEBPACK_IMPORTED_MODULE_8__/* .parseState */ .Bu)(runner.getState(_post_state_js__WEBPACK_IMPORTED_MODULE_8__/* .FINISHED_STATE */ .r$));
    const action = (0,_post_state_js__WEBPACK_IMPORTED_MODULE_8__/* .postAction */ .vd)(started, finished);
    if (action === 'nothing' || !started) {
        log.debug('post step: the main step settled the canary (or started none): nothing to do');
        return;
    }
    const what = finished ? 'was cancelled and its abort did not go through' : 'was stopped before it could finish';
    const target = `rollout ${started.rollout} in ${started.namespace}`;
    if (action === 'report-left') {
        const text = `canary-gate's main step ${what}; abort-on-cancel is false, so ${target} was left as it was: check it with kubectl argo rollouts get rollout ${started.rollout} -n ${started.namespace}`;
        log.warning(text);
        await runner.appendSummary(`### canary-gate post step\n\n${(0,_report_markdown_js__WEBPACK_IMPORTED_MODULE_5__/* .escapeHtml */ .ZD)(text)}\n`).catch(() => false);
        return;
    }
    const kubectl = new _kube_kubectl_js__WEBPACK_IMPORTED_MODULE_1__/* .Kubectl */ .bx({ log, clock: _clock_js__WEBPACK_IMPORTED_MODULE_0__/* .systemClock */ .ml, context: started.context, requestTimeoutSeconds: REQUEST_TIMEOUT_S, attempts: 2 });
    let text;
    try {
        const client = new _kube_rollout_js__WEBPACK_IMPORTED_MODULE_2__/* .RolloutClient */ .$n(kubectl, started.rollout, started.namespace, log);
        const before = await client.get();
        if (before.abort) {
            text = `canary-gate's main step ${what}; ${target} is already aborted (${before.message || before.phase}).`;
        }
        else {
            const { record, state } = await log.group(`Aborting ${target}`, () => (0,_kube_watch_js__WEBPACK_IMPORTED_MODULE_3__/* .abortAndConfirm */ .aL)(client, before, `the main step ${what} (abort-on-cancel)`, { clock: _clock_js__WEBPACK_IMPORTED_MODULE_0__/* .systemClock */ .ml, log, pollMs: 1000, confirmMs: CONFIRM_MS }));
            const shown = record.confirmedAt === undefined ? `the abort was sent; the rollout has not shown it yet (${state.phase})` : `canary traffic ${record.weightBefore}% → ${state.canaryWeight}%`;
            text = `canary-gate's main step ${what}, so the post step aborted ${target}: ${shown}.`;
        }
        log.warning(text);
    }
    catch (error) {
        text = `canary-gate's main step ${what}, and the post step could not abort ${target}: ${error.message}. Abort it by hand: kubectl argo rollouts abort ${started.rollout} -n ${started.namespace}`;
        log.error(text);
        process.exitCode = 1;
    }
    await runner.appendSummary(`### canary-gate post step\n\n${(0,_report_markdown_js__WEBPACK_IMPORTED_MODULE_5__/* .escapeHtml */ .ZD)(text)}\n`).catch(() => false);
}


/***/ })

};
