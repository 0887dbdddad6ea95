export const id = 17;
export const ids = [17];
export const modules = {

/***/ 1017:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  GITHUB_TEXT_LIMIT: () => (/* binding */ GITHUB_TEXT_LIMIT),
  decidingValues: () => (/* binding */ decidingValues),
  headlineText: () => (/* binding */ headlineText),
  metricTable: () => (/* binding */ metricTable),
  progressTitle: () => (/* binding */ progressTitle),
  renderReport: () => (/* binding */ renderReport),
  stepTable: () => (/* binding */ stepTable),
  verdictIcon: () => (/* binding */ verdictIcon)
});

// EXTERNAL MODULE: ./src/analysis/metric.ts
var analysis_metric = __webpack_require__(8800);
// EXTERNAL MODULE: ./src/analysis/values.ts
var analysis_values = __webpack_require__(2522);
// EXTERNAL MODULE: ./src/plan/duration.ts
var duration = __webpack_require__(2983);
// EXTERNAL MODULE: ./src/analysis/expr/index.ts + 7 modules
var expr = __webpack_require__(4048);
// EXTERNAL MODULE: ./src/analysis/judge.ts
var judge = __webpack_require__(7021);
;// CONCATENATED MODULE: ./src/report/charts.ts
// Mermaid charts for the report: the new version's share of traffic over time, and a failing metric's
// measurements against its threshold. Rendered by GitHub in summaries, comments and checks.



/** Text Mermaid reads inside double quotes, with nothing it could take for markup. */
function label(text) {
    return text.replace(/["[\]\n\r`]/g, "'").replace(/[<>&|;#]/g, ' ').slice(0, 80);
}
function clock(ms, origin) {
    const seconds = Math.max(0, Math.round((ms - origin) / 1000));
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
/** Canary weight at each step, and where it ended: 0 after an abort, 100 once promoted. */
function weightChart(result) {
    const steps = (result.steps ?? []).filter((step) => step.startedAt !== undefined && step.weight !== undefined);
    if (steps.length === 0)
        return undefined;
    const origin = steps[0].startedAt;
    const points = steps.map((step) => ({ at: step.startedAt, weight: step.weight }));
    if (result.abort)
        points.push({ at: result.abort.confirmedAt ?? result.abort.requestedAt, weight: result.abort.weightAfter ?? 0 });
    else if (result.outcome === 'promoted')
        points.push({ at: result.finishedAt, weight: 100 });
    // Steps that start in the same second (setWeight, then its pause) make one point: the later one.
    const merged = points.filter((point, i) => i === points.length - 1 || clock(points[i + 1].at, origin) !== clock(point.at, origin));
    if (merged.length < 2)
        return undefined;
    return [
        'xychart-beta',
        `  title "${label(`Traffic to the new version of ${result.rollout?.name ?? 'the rollout'} (%)`)}"`,
        `  x-axis "minutes since the first step" [${merged.map((p) => `"${clock(p.at, origin)}"`).join(', ')}]`,
        '  y-axis "canary weight %" 0 --> 100',
        `  line [${merged.map((p) => p.weight).join(', ')}]`
    ].join('\n');
}
/** The number a measurement's condition compared, when it is one. */
function measuredNumber(spec, value) {
    const [operand] = (0,judge/* metricOperands */.fw)(spec);
    let number = value;
    if (operand) {
        try {
            number = (0,expr/* evaluate */._3)(operand, { result: value });
        }
        catch {
            return undefined;
        }
    }
    if (Array.isArray(number) && number.length === 1)
        number = number[0];
    return typeof number === 'number' && Number.isFinite(number) ? number : undefined;
}
/** The limit the metric is held to: the number its condition compares with, or its range. */
function thresholdOf(spec) {
    const conditions = [spec.successCondition, spec.failureCondition].filter((c) => c !== undefined);
    const limit = conditions.flatMap((c) => (0,expr/* comparedLimits */.Qz)(c.expr))[0];
    if (limit !== undefined)
        return limit;
    return spec.thresholdRange?.max ?? spec.thresholdRange?.min;
}
function niceTop(value) {
    if (value <= 0)
        return 1;
    const magnitude = 10 ** Math.floor(Math.log10(value));
    for (const step of [1, 2, 2.5, 5, 10])
        if (step * magnitude >= value)
            return step * magnitude;
    return 10 * magnitude;
}
function metricChart(metric, where) {
    const measured = metric.tally.measurements.filter((m) => m.phase !== 'Error');
    const values = measured.map((m) => measuredNumber(metric.spec, m.value));
    if (values.length === 0 || values.some((v) => v === undefined))
        return undefined;
    const numbers = values;
    const threshold = thresholdOf(metric.spec);
    const top = niceTop(Math.max(...numbers, threshold ?? 0) * 1.2);
    const lines = [
        'xychart-beta',
        `  title "${label(`${metric.spec.name}${where ? ` at ${where}` : ''}${threshold === undefined ? '' : ` against its threshold ${(0,analysis_values/* formatNumber */.ZV)(threshold)}`}`)}"`,
        `  x-axis [${measured.map((m, i) => `"#${i + 1} ${new Date(m.finishedAt).toISOString().slice(11, 19)}"`).join(', ')}]`,
        `  y-axis "${label(comparedText(metric.spec))}" 0 --> ${top}`,
        `  bar [${numbers.join(', ')}]`
    ];
    if (threshold !== undefined)
        lines.push(`  line [${numbers.map(() => threshold).join(', ')}]`);
    return lines.join('\n');
}
function comparedText(spec) {
    return (0,judge/* metricOperands */.fw)(spec)[0]?.text ?? 'value';
}
/** Charts of the metrics that failed (or, when none did, the first deciding one), at most `max`. */
function metricCharts(result, max = 2) {
    const all = result.analyses.flatMap((analysis) => analysis.outcome.metrics.map((metric) => ({ metric, where: analysis.label === 'analyze' ? '' : analysis.label })));
    const failing = all.filter(({ metric }) => !metric.spec.dryRun && metric.phase === 'Failed');
    const charts = (list) => list.map(({ metric, where }) => metricChart(metric, where)).filter((chart) => chart !== undefined);
    // The failing metrics; when none failed, the first deciding metric that measured numbers.
    return (failing.length ? charts(failing) : charts(all.filter(({ metric }) => !metric.spec.dryRun)).slice(0, 1)).slice(0, max);
}

// EXTERNAL MODULE: ./src/report/json.ts
var json = __webpack_require__(2794);
// EXTERNAL MODULE: ./src/report/markdown.ts
var markdown = __webpack_require__(4285);
;// CONCATENATED MODULE: ./src/report/render.ts
// One renderer for every place people read the result: the job summary, the sticky PR comment and
// the check run. Sections go from what a reader needs first (the verdict, what the gate did, why,
// what to do next) to detail; when the text would pass GitHub's 65,536-character limit, the detail
// goes first. The JSON report keeps everything.






/** GitHub refuses comments and check summaries above 65,536 characters; keep a margin. */
const GITHUB_TEXT_LIMIT = 65_000;
const ICON = {
    Successful: '✅',
    Failed: '❌',
    Error: '⚠️',
    Inconclusive: '❔',
    Running: '⏳',
    Pending: '⏸️'
};
function verdictIcon(verdict) {
    return ICON[verdict] ?? '';
}
/** The step where the run stopped: the analysis that failed, or the step the abort happened at. */
function decidingStep(result) {
    const steps = result.steps ?? [];
    return [...steps].reverse().find((s) => ['failed', 'error', 'inconclusive', 'aborted', 'paused'].includes(s.result)) ?? [...steps].reverse().find((s) => s.result === 'running');
}
/** What happened, in one line: the verdict and what the gate did. Plain text (check titles). */
function headlineText(result) {
    const name = result.rollout?.name ?? 'the rollout';
    const count = result.steps?.length ?? 0;
    const at = decidingStep(result);
    const where = at ? ` at step ${at.index + 1}/${count}` : '';
    if (result.configErrors.length)
        return `${result.verdict} — configuration errors: nothing was measured and the cluster was not touched`;
    if (result.command === 'analyze') {
        const templates = [...new Set(result.analyses.flatMap((a) => a.templates))].join(', ');
        const failed = (0,json/* failedMetrics */.b$)(result);
        return `${result.verdict} — analysis of ${templates || 'the plan'} (no cluster changes)${failed.length ? `, failed: ${failed.join(', ')}` : ''}`;
    }
    if (result.command !== 'run') {
        const change = result.abort ? `, canary traffic ${result.abort.weightBefore}% → ${result.abort.weightAfter ?? '?'}%` : '';
        const did = result.outcome === 'none' ? (result.reasons[0] ?? result.notes[0] ?? 'no change') : `${result.outcome}${change}`;
        return `${result.verdict} — command ${result.command}: rollout ${name} ${did}`;
    }
    switch (result.outcome) {
        case 'aborted': {
            const weights = result.abort ? `, canary traffic ${result.abort.weightBefore}% → ${result.abort.weightAfter ?? '?'}%` : '';
            return `${result.verdict} — rollout ${name} aborted${where}${weights}`;
        }
        case 'promoted':
            return result.verdict === 'Successful'
                ? `${result.verdict} — rollout ${name} promoted through all ${count} steps`
                : `${result.verdict} — rollout ${name} became stable, but not every analysis step was measured`;
        case 'paused':
            return `${result.verdict} — rollout ${name} paused${where} for a human, canary at ${at?.weight ?? '?'}%`;
        default:
            if (result.stepsDiff)
                return `${result.verdict} — rollout ${name}: the live steps differ from the plan (apply-steps: false), nothing changed`;
            return `${result.verdict} — rollout ${name}: ${result.reasons[0] ?? result.notes[0] ?? 'no change'}`;
    }
}
/** The title of a running check: where the run is now. */
function progressTitle(snapshot) {
    const name = snapshot.rollout?.name ?? 'the rollout';
    const running = snapshot.steps?.find((s) => s.result === 'running');
    if (running)
        return `In progress: rollout ${name} at step ${running.index + 1}/${snapshot.steps.length} (${running.description}), canary ${running.weight ?? '?'}%`;
    if (snapshot.command === 'analyze')
        return `In progress: measuring ${snapshot.reasons[0] ?? 'the analysis'}`;
    return `In progress: rollout ${name}${snapshot.steps?.length ? `, ${snapshot.steps.length} steps planned` : ''}`;
}
function subline(result, context) {
    const parts = [];
    if (result.rollout)
        parts.push(`rollout ${(0,markdown/* code */.aY)(result.rollout.name)} in ${(0,markdown/* code */.aY)(result.rollout.namespace)}`);
    if (result.rollout?.image)
        parts.push(`image ${(0,markdown/* code */.aY)(result.rollout.image)}`);
    if (context.sha)
        parts.push(`commit ${(0,markdown/* code */.aY)(context.sha.slice(0, 7))}`);
    if (context.pullRequest)
        parts.push(`PR #${context.pullRequest.number}`);
    if (context.runUrl)
        parts.push(`[workflow run](${context.runUrl})`);
    parts.push(`took ${(0,duration/* formatDuration */.a3)(result.finishedAt - result.startedAt)}`);
    return parts.join(' · ');
}
function counts(metric) {
    const { tally } = metric;
    const extra = [];
    if (tally.failed)
        extra.push(`${tally.failed} failed`);
    if (tally.inconclusive)
        extra.push(`${tally.inconclusive} inconclusive`);
    if (tally.error)
        extra.push(`${tally.error} errors`);
    return `${tally.measurements.length}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}
/** The values that decided a metric: its failing values when it failed, else its latest. */
function decidingValues(metric) {
    const { measurements } = metric.tally;
    if (measurements.length === 0)
        return 'not measured';
    const wanted = metric.phase === 'Failed' || metric.phase === 'Inconclusive' || metric.phase === 'Error' ? metric.phase : undefined;
    const picked = wanted ? measurements.filter((m) => m.phase === wanted) : measurements;
    const shown = (picked.length ? picked : measurements).slice(-3);
    if (metric.phase === 'Error')
        return (0,markdown/* truncate */.xv)(shown[shown.length - 1].message, 120);
    return shown.map(analysis_values/* shownValue */.JJ).join(', ');
}
function resultCell(metric) {
    return metric.stopped ? `⏹️ stopped (${metric.phase})` : `${verdictIcon(metric.phase)} ${metric.phase}`;
}
function metricTable(result, maxRows = Infinity) {
    const rows = [];
    for (const analysis of result.analyses) {
        const step = analysis.stepIndex === undefined ? (analysis.label === 'analyze' ? '—' : analysis.label) : `${analysis.stepIndex + 1}/${result.steps?.length ?? '?'}`;
        for (const metric of analysis.outcome.metrics) {
            rows.push([
                `${(0,markdown/* cell */.Hn)(metric.spec.name)}${metric.spec.dryRun ? ' <sub>dryRun</sub>' : ''}`,
                (0,markdown/* cell */.Hn)(step),
                (0,markdown/* cell */.Hn)(decidingValues(metric)),
                (0,markdown/* code */.aY)((0,analysis_metric/* conditionText */.D3)(metric.spec)),
                counts(metric),
                resultCell(metric)
            ]);
        }
    }
    const shown = rows.slice(0, maxRows);
    const cut = rows.length - shown.length;
    return `${(0,markdown/* table */.tp)(['Metric', 'Step', 'Value', 'Condition', 'Measurements (n, failed, errors)', 'Result'], shown)}${cut > 0 ? `\n\n_${cut} more metrics in the JSON report._` : ''}`;
}
function time(ms) {
    return ms === undefined ? '–' : new Date(ms).toISOString().slice(11, 19);
}
const STEP_ICON = {
    passed: '✅',
    failed: '❌',
    error: '⚠️',
    inconclusive: '❔',
    aborted: '🛑',
    skipped: '⏭️',
    paused: '⏸️',
    running: '⏳'
};
function stepTable(result) {
    const rows = (result.steps ?? []).map((step) => [
        String(step.index + 1),
        (0,markdown/* cell */.Hn)(step.description),
        step.weight === undefined || step.result === 'skipped' || step.result === 'not reached' ? '–' : `${step.weight}%`,
        time(step.startedAt),
        step.startedAt !== undefined && step.finishedAt !== undefined ? (step.finishedAt - step.startedAt < 1000 ? '<1s' : (0,duration/* formatDuration */.a3)(step.finishedAt - step.startedAt)) : '–',
        `${STEP_ICON[step.result] ? `${STEP_ICON[step.result]} ` : ''}${(0,markdown/* cell */.Hn)(`${step.result}${step.note ? ` — ${step.note}` : ''}`)}`
    ]);
    return (0,markdown/* table */.tp)(['Step', 'Action', 'Canary weight', 'Start', 'Duration', 'Result'], rows);
}
/** What the gate did, in words, with the timings of an abort. */
function actionText(result) {
    const lines = [];
    const abort = result.abort;
    if (abort) {
        const timings = [];
        if (abort.failingMeasurementAt !== undefined)
            timings.push(`the abort call went out ${(0,duration/* formatDuration */.a3)(abort.requestedAt - abort.failingMeasurementAt)} after the failing measurement`);
        if (abort.confirmedAt !== undefined)
            timings.push(`the rollout reported canary weight ${abort.weightAfter ?? 0}% ${(0,duration/* formatDuration */.a3)(abort.confirmedAt - abort.requestedAt)} later`);
        else
            timings.push('the rollout had not reported the abort when the gate stopped watching');
        lines.push(`The gate aborted rollout ${result.rollout?.name ?? ''} (canary traffic ${abort.weightBefore}% → ${abort.weightAfter ?? '?'}%): ${timings.join('; ')}.`);
    }
    if (result.rollout?.after)
        lines.push(`The rollout now: ${result.rollout.after}.`);
    if (result.rollout)
        lines.push(`Changes went through ${result.rollout.path === 'plugin' ? 'the kubectl argo rollouts plugin' : "kubectl patch (the plugin's patches; the plugin was not installed)"}.`);
    return lines;
}
function nextSteps(result, context) {
    if (!result.rollout)
        return undefined;
    const target = `${result.rollout.name} -n ${result.rollout.namespace}`;
    const rows = [];
    if (result.outcome === 'paused' || (result.command === 'status' && result.verdict === 'Inconclusive')) {
        rows.push(['go on to the next step', 'command: promote', `kubectl argo rollouts promote ${target}`]);
        rows.push(['promote to the end, skipping the rest', 'command: promote, full: true', `kubectl argo rollouts promote ${target} --full`]);
        rows.push(['roll back to stable', 'command: abort', `kubectl argo rollouts abort ${target}`]);
    }
    else if (result.outcome === 'aborted' || result.verdict === 'Failed') {
        rows.push(['run the same canary again (once fixed)', 'command: retry', `kubectl argo rollouts retry rollout ${target}`]);
        rows.push(['deploy a fixed image', 'command: run, image_tag: …', `kubectl argo rollouts set image ${target.replace(' -n', ' CONTAINER=IMAGE -n')}`]);
    }
    rows.push(['see where it stands', 'command: status', `kubectl argo rollouts get rollout ${target}`]);
    const workflow = context.workflowUrl ? `[the workflow](${context.workflowUrl}) (Run workflow)` : 'the workflow (workflow_dispatch)';
    return (0,markdown/* table */.tp)(['To', `With ${workflow}`, 'Or with kubectl'], rows.map(([what, input, command]) => [(0,markdown/* cell */.Hn)(what), (0,markdown/* code */.aY)(input), (0,markdown/* code */.aY)(command)]));
}
function measurementDetails(result, perMetric) {
    const blocks = [];
    for (const analysis of result.analyses) {
        for (const metric of analysis.outcome.metrics) {
            const rows = metric.tally.measurements.slice(-perMetric).map((m, i, shown) => [
                String(metric.tally.measurements.length - shown.length + i + 1),
                time(m.finishedAt),
                (0,markdown/* cell */.Hn)((0,analysis_values/* shownValue */.JJ)(m)),
                `${verdictIcon(m.phase)} ${m.phase}`,
                (0,markdown/* cell */.Hn)((0,markdown/* truncate */.xv)(m.message, 200))
            ]);
            if (rows.length === 0)
                continue;
            blocks.push(`**${(0,markdown/* cell */.Hn)(metric.spec.name)}** (${(0,markdown/* cell */.Hn)(analysis.label)}) — ${(0,markdown/* code */.aY)((0,markdown/* truncate */.xv)(metric.spec.query, 300))}\n\n${(0,markdown/* table */.tp)(['#', 'Time', 'Value', 'Phase', 'Message'], rows)}`);
        }
    }
    if (blocks.length === 0)
        return undefined;
    return `<details><summary>Every measurement</summary>\n\n${blocks.join('\n\n')}\n\n</details>`;
}
function mermaid(chart) {
    return `\`\`\`mermaid\n${chart}\n\`\`\``;
}
function sections(result, context, detail) {
    const out = [];
    out.push({ text: `## ${verdictIcon(result.verdict)} ${(0,markdown/* escapeHtml */.ZD)(headlineText(result))}`, drop: 0 });
    out.push({ text: subline(result, context), drop: 0 });
    if (result.configErrors.length) {
        out.push({ text: `**Configuration errors** — nothing was measured:\n${result.configErrors.map((line) => `- ${(0,markdown/* cell */.Hn)(line)}`).join('\n')}`, drop: 0 });
    }
    const why = [...result.reasons.map((reason) => `- ${(0,markdown/* cell */.Hn)(reason)}`), ...actionText(result).map((line) => `- ${(0,markdown/* cell */.Hn)(line)}`)];
    if (why.length)
        out.push({ text: `### Why\n\n${why.join('\n')}`, drop: 0 });
    if (result.stepsDiff?.length) {
        out.push({ text: `### Live steps against the plan\n\n${['```diff', ...result.stepsDiff.map((line) => line.replace(/```/g, "'''")), '```'].join('\n')}`, drop: 1 });
    }
    const next = nextSteps(result, context);
    if (next)
        out.push({ text: `### Next\n\n${next}`, drop: 0 });
    if (result.analyses.some((a) => a.outcome.metrics.length > 0))
        out.push({ text: `### Analysis\n\n${metricTable(result, detail.maxRows)}`, drop: 2 });
    if (result.steps?.length)
        out.push({ text: `### Steps\n\n${stepTable(result)}`, drop: 2 });
    const charts = [weightChart(result), ...metricCharts(result)].filter((chart) => chart !== undefined);
    if (charts.length)
        out.push({ text: `### Charts\n\n${charts.map(mermaid).join('\n\n')}`, drop: 3 });
    if (result.notes.length)
        out.push({ text: result.notes.map((note) => `> ${(0,markdown/* cell */.Hn)(note)}`).join('\n>\n'), drop: 3 });
    const details = measurementDetails(result, detail.perMetric);
    if (details)
        out.push({ text: details, drop: 4 });
    out.push({ text: `<sub>canary-gate · ${(0,markdown/* escapeHtml */.ZD)(result.command)} · ${new Date(result.finishedAt).toISOString()}${context.runUrl ? ` · the full JSON report is in the [run's log and outputs](${context.runUrl})` : ''}</sub>`, drop: 1 });
    return out;
}
function join(parts) {
    return `${parts.join('\n\n')}\n`;
}
/** The report as Markdown, cut to `limit` characters by dropping detail first. */
function renderReport(result, options) {
    const limit = options.limit ?? GITHUB_TEXT_LIMIT;
    const head = options.marker ? [options.marker] : [];
    const shortened = '\n_Shortened to fit GitHub; the JSON report has every measurement._\n';
    // Less and less detail until it fits: fewer measurements, then whole sections, lowest value first.
    let first = true;
    for (const detail of [
        { perMetric: 10, maxRows: Infinity },
        { perMetric: 3, maxRows: 200 },
        { perMetric: 0, maxRows: 50 }
    ]) {
        const all = sections(result, options.context, detail);
        for (const level of [5, 4, 3, 2, 1]) {
            const text = join([...head, ...all.filter((s) => s.drop < level).map((s) => s.text)]);
            if (first && text.length <= limit)
                return text;
            first = false;
            if (text.length + shortened.length <= limit)
                return `${text}${shortened}`;
        }
    }
    const essentials = join([...head, ...sections(result, options.context, { perMetric: 0, maxRows: 0 }).filter((s) => s.drop === 0).map((s) => s.text)]);
    const note = '\n\n_Cut to fit GitHub; the JSON report has the rest._\n';
    return essentials.length <= limit ? essentials : `${essentials.slice(0, limit - note.length)}${note}`;
}


/***/ })

};
