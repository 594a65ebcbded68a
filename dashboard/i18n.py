"""Every label of the dashboard in Chinese (中文, the default) and English.

Terms follow `shared/policy/glossary.csv`. `t(key, lang, **values)` returns the label, filled in.
"""

from __future__ import annotations

from collections.abc import Iterable

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

TEXT: dict[str, tuple[str, str]] = {
    # header, navigation, footer
    "app.title": (
        "晋发〔2021〕67号 市场主体倍增",
        "Jin Fa [2021] No. 67: Doubling Market Entities",
    ),
    "app.subtitle": (
        "市场主体倍增工程政策模拟 · 省领导小组看板",
        "Policy simulator of the market-entity doubling plan · dashboard of the leading group",
    ),
    "lang.zh": ("中文", "中文"),
    "lang.en": ("English", "English"),
    "nav.overview": ("总览", "Overview"),
    "nav.trajectories": ("走势", "Trajectories"),
    "nav.composition": ("结构与质量", "Composition and quality"),
    "nav.cities": ("各市", "Cities"),
    "nav.levers": ("政策工具与成本", "Levers and cost"),
    "nav.whatif": ("情景推演", "What-if"),
    "nav.backtest": ("回测", "Backtest"),
    "nav.attribution": ("贡献与敏感性", "Attribution & sensitivity"),
    "footer.results": (
        "结果：{folder} · 生成于 {created} · 每个情景 {runs} 次模拟 · 每行代表 {scale} 户 · 版本 "
        "{version}",
        "Results: {folder} · created {created} · {runs} runs per scenario · {scale} entities per "
        "row · version {version}",
    ),
    "page.not_found": ("没有这个页面：{path}", "No such page: {path}"),
    # errors shown in the page instead of a traceback
    "error.title": ("无法读取模拟结果", "Cannot read the simulation results"),
    "error.missing": ("结果目录 {folder} 不存在。", "The results folder {folder} does not exist."),
    "error.empty": (
        "结果目录 {folder} 中没有完整的结果：缺少 {detail}。",
        "The results folder {folder} holds no complete results: {detail} missing.",
    ),
    "error.old_version": (
        "结果目录 {folder} 由旧版本程序生成（格式版本 {detail}，本看板读取版本 {expected}）。"
        "请重新运行模拟。",
        "The results in {folder} were written by an older version (format {detail}; this "
        "dashboard reads format {expected}). Please run the simulation again.",
    ),
    "error.new_version": (
        "结果目录 {folder} 由更新版本的程序生成（格式版本 {detail}，本看板读取版本 {expected}）。"
        "请更新看板。",
        "The results in {folder} were written by a newer version (format {detail}; this dashboard "
        "reads format {expected}). Please update the dashboard.",
    ),
    "error.corrupt": (
        "结果目录 {folder} 中有文件无法读取（文件已损坏或未写完）。",
        "A file in the results folder {folder} cannot be read: {detail}",
    ),
    "error.hint": (
        "生成结果：uv run python run.py（或 run.py run 情景文件… --out 目录），再用 uv run python "
        "run.py dashboard --results 目录 打开看板。",
        "To make results: uv run python run.py (or run.py run SCENARIO… --out DIR), then open "
        "them with uv run python run.py dashboard --results DIR.",
    ),
    "error.catalogue": (
        "政策工具目录无法读取。",
        "The lever catalogue cannot be read: {detail}",
    ),
    "error.no_fiscal": (
        "本结果中没有按政策工具分列的财政成本（fiscal.parquet）。",
        "These results hold no fiscal cost by lever (fiscal.parquet).",
    ),
    "error.no_baseline": (
        "本结果中没有“无政策”情景（no_policy），无法计算各类政策的增量。",
        "These results have no no_policy scenario: the gain of each family cannot be computed.",
    ),
    "error.no_baseline_cost": (
        "本结果中没有“无政策”情景（no_policy），无法计算每增加一户市场主体的财政成本（显示为“–”）："
        "请在同一批模拟中运行 scenarios/no_policy.yaml。",
        "These results have no no_policy scenario, so the cost per additional entity cannot be "
        "computed (shown as '–'): run scenarios/no_policy.yaml in the same batch.",
    ),
    "error.no_baseline_assumption": (
        "同样无法计算增量中依赖假设的比重（显示为“–”）。",
        "Nor can the share of the gain resting on assumptions (shown as '–').",
    ),
    "error.no_family": (
        "本结果中没有只包含单一类政策的情景。",
        "These results hold no scenario with the levers of a single family.",
    ),
    "error.no_data": ("没有数据", "No data"),
    # shared chart words
    "chart.doubling_line": ("倍增线（2020年底×2）", "Doubling line (2 × end-2020)"),
    "chart.deadline": ("2025年12月", "Deadline 2025-12"),
    "chart.entities": ("户", "entities"),
    "chart.yuan": ("元", "yuan"),
    "chart.csv": ("下载CSV", "Download CSV"),
    "chart.scenarios": ("情景", "Scenarios"),
    "chart.scenario": ("情景", "Scenario"),
    "chart.note_bands": (
        "实线为中位数，阴影为5%–95%区间；每个情景 {runs} 次模拟（共用随机数）。",
        "Lines are medians, shading the 5–95 % band; {runs} runs per scenario (common random "
        "numbers).",
    ),
    # overview
    "overview.heading": (
        "总览：2025年底能否实现倍增？",
        "Overview: will the count double by end-2025?",
    ),
    "overview.col.scenario": ("情景", "Scenario"),
    "overview.col.p_doubled": ("倍增概率（2025年底前）", "P(doubled by 2025-12)"),
    "overview.col.median_month": ("实现倍增月份（中位数）", "Median month of doubling"),
    "overview.col.end_registered": ("2025年底登记数", "Registered, end-2025"),
    "overview.col.end_operating": ("2025年底实际经营数", "Operating, end-2025"),
    "overview.col.ratio": ("登记数倍数（相对2020年底）", "Ratio to end-2020"),
    "overview.col.fiscal_cost": ("财政成本（累计）", "Fiscal cost (cumulative)"),
    "overview.col.cost_per_additional_registered": (
        "每增加一户登记主体的财政成本（对比无政策）",
        "Fiscal cost per additional registered entity (vs no policy)",
    ),
    "overview.col.cost_per_additional_operating": (
        "每增加一户实际经营主体的财政成本（对比无政策）",
        "Fiscal cost per additional operating entity (vs no policy)",
    ),
    "overview.col.assumption_share_registered": (
        "登记增量中依赖假设的比重",
        "Share of the registered gain resting on assumptions",
    ),
    "overview.col.assumption_share_operating": (
        "实际经营增量中依赖假设的比重",
        "Share of the operating gain resting on assumptions",
    ),
    "overview.not_reached": ("未实现", "not reached"),
    "overview.note": (
        "数值为中位数，括号内为5%–95%区间。倍增目标：2025年底登记市场主体数达到2020年底的2倍。",
        "Medians; 5–95 % range in brackets. Target: registered entities at end-2025 at least "
        "twice the end-2020 count.",
    ),
    "overview.note_probability": (
        "倍增概率：实现倍增的模拟所占比例；括号内为其90%区间（Jeffreys区间：共n次模拟、其中k次实现"
        "倍增时，Beta(k+½, n−k+½)分布的5%和95%分位数，k = 0时下限为0，k = n时上限为100%；"
        "Brown、Cai、DasGupta 2001）。模拟次数少时概率并不确定：8次模拟无一倍增，概率仍可能高达21%。",
        "P(doubled): the share of runs that doubled; in brackets its 90 % interval (Jeffreys: the "
        "5 and 95 % quantiles of Beta(k + ½, n − k + ½) for k of n runs doubled, 0 if k = 0, "
        "100 % if k = n; Brown, Cai & DasGupta 2001). A few runs leave the probability uncertain: "
        "none of 8 runs doubling still allows up to 21 %.",
    ),
    "overview.note_cost": (
        "每增加一户财政成本：情景到2025年底的累计财政成本，除以该情景比相同随机种子的“无政策”模拟"
        "多出的登记（或实际经营）市场主体数；逐次模拟计算，再取中位数。“–”表示没有多出的主体"
        "（“无政策”情景本身，或中位数落在花了钱却没有增量的模拟上，这类模拟按最贵计）。",
        "Fiscal cost per additional entity: the scenario's cumulative fiscal cost to end-2025 "
        "divided by the registered (or operating) entities it has beyond the no-policy run with "
        "the same seed, run by run, then the median. '–': no additional entities (the no-policy "
        "scenario itself, or a median run that paid for none: such runs count as the dearest).",
    ),
    "overview.note_assumption": (
        "增量中依赖假设的比重：部分政策效果没有研究依据，来源标为“assumption:”（假设）。每个情景的"
        "前若干次模拟（默认前200次，run.py run --evidence-runs）以相同随机种子再运行一次，把这些效果"
        "设为无效果、其余效果不变（“仅有依据”方案）；比重 ="
        "（增量 − “仅有依据”方案的增量）÷ 增量，增量均相对相同随机种子的“无政策”模拟。逐次模拟计算"
        "（只计有增量的模拟），再取中位数，括号内为5%–95%区间。低于0%：假设的效果减少了主体；"
        "高于100%：仅靠有依据的效果，主体数会低于“无政策”。“–”表示中位数模拟没有增量"
        "（如“无政策”情景本身）。",
        "Share of the gain resting on assumptions: some lever effects have no study behind them "
        "(sourced 'assumption:'). The first runs of each scenario (200 by default, run.py run "
        "--evidence-runs) are repeated with the same seed with those effects set to no effect "
        "and the others kept (the evidence-only variant); share = (gain − the "
        "variant's gain) / gain, both against the no-policy run with the same seed, run by run "
        "over the runs with a gain, then the median (5–95 % range in brackets). Below 0 %: the "
        "assumed effects cost entities; above 100 %: the evidence-sourced effects alone end below "
        "no policy. '–': the median run has no gain (the no-policy scenario itself).",
    ),
    "overview.chart": (
        "2025年底登记市场主体数与倍增目标",
        "Registered entities at end-2025 against the doubling target",
    ),
    "overview.target": ("倍增目标", "Doubling target"),
    "overview.registered": ("登记数", "Registered"),
    "overview.operating": ("实际经营数", "Operating"),
    # trajectories
    "trajectories.heading": ("市场主体数量走势", "Trajectories of market entities"),
    "trajectories.registered": ("登记市场主体数", "Registered market entities"),
    "trajectories.operating": ("实际经营的市场主体数", "Operating market entities"),
    # composition and quality
    "composition.heading": ("结构与质量", "Composition and quality"),
    "composition.kinds": ("市场主体构成（中位数）", "Entities by kind (median)"),
    "composition.entry_exit": (
        "年度登记、开业与退出（中位数）",
        "Registrations, openings and exits per year (median)",
    ),
    "composition.conversions": (
        "年度个转企与小升规（中位数）",
        "Individual-to-enterprise and small-to-above-scale per year (median)",
    ),
    "composition.share": (
        "实际经营占登记的比重（与无政策对比）",
        "Operating share of registered entities, against no policy",
    ),
    "kind.n_individual": ("个体工商户", "Individual businesses"),
    "kind.n_micro": ("微型企业", "Micro enterprises"),
    "kind.n_small": ("小型企业", "Small enterprises"),
    "kind.n_medium": ("中型企业", "Medium enterprises"),
    "kind.n_above_scale": ("规上企业", "Above-designated-size firms"),
    "kind.n_chain_leader": ("链主企业", "Chain leaders"),
    "kind.n_cooperative": ("农民专业合作社", "Farmer cooperatives"),
    "flow.new_registered": ("新登记", "Registrations"),
    "flow.new_opened": ("开业", "Openings"),
    "flow.new_exited": ("注销与吊销", "Exits"),
    "flow.new_individual_to_enterprise": ("个转企", "Individual to enterprise"),
    "flow.new_above_scale": ("小升规", "Small to above-scale"),
    # cities
    "cities.heading": ("11个设区市比较", "The 11 cities compared"),
    "cities.year": ("年底", "Year-end"),
    "cities.levels": (
        "各市登记与实际经营市场主体（{year}年底，中位数）",
        "Registered and operating entities by city, end-{year} (median)",
    ),
    "cities.growth": (
        "各市登记数相对2020年底的倍数（{year}年底，与无政策对比）",
        "Growth of registered entities by city, end-{year} vs end-2020, against no policy",
    ),
    "cities.no_start": (
        "分市结果中没有2020年底的数据，无法计算倍数。",
        "The city table has no end-2020 row: no ratio.",
    ),
    # levers and cost
    "levers.heading": ("政策工具与财政成本", "Levers and fiscal cost"),
    "levers.group_by": ("分组", "Group by"),
    "levers.by_family": ("按政策类别", "By family"),
    "levers.by_department": ("按牵头单位", "By lead department"),
    "levers.catalogue": ("政策工具目录（{n}项）", "Lever catalogue ({n} levers)"),
    "levers.articles": ("条款", "Articles"),
    "levers.article": ("第{n}条", "Art. {n}"),
    "levers.departments": ("责任单位", "Departments"),
    "levers.text": ("文件原文（摘录）", "The article's text (Chinese original, excerpt)"),
    "levers.knobs": ("文件中的数值", "The document's values"),
    "levers.cost_lever": ("财政成本（按政策工具，中位数）", "Fiscal cost by lever (median)"),
    "levers.cost_department": (
        "财政成本（按责任单位，中位数）",
        "Fiscal cost by department (median)",
    ),
    "levers.value_lever": (
        "每增加一户市场主体的财政成本（按政策工具，中位数）",
        "Fiscal cost per additional entity by lever (median)",
    ),
    "levers.value_department": (
        "每增加一户市场主体的财政成本（按责任单位，中位数）",
        "Fiscal cost per additional entity by department (median)",
    ),
    "levers.per_registered": ("每增加一户登记主体", "Per additional registered entity"),
    "levers.per_operating": ("每增加一户实际经营主体", "Per additional operating entity"),
    "levers.note": (
        "按政策工具（或责任单位）的每增加一户财政成本：该工具（或单位）在整个模拟期的累计财政成本，"
        "除以整个情景（全部政策组合）比相同随机种子的“无政策”模拟多出的登记（或实际经营）市场主体数；"
        "逐次模拟计算，再取中位数。分母是整个政策组合带来的增量，不是该工具单独带来的增量："
        "把新增主体归因到单个政策工具需要Shapley分解，留待后续版本。",
        "Fiscal cost per additional entity by lever (or department): the lever's (department's) "
        "cumulative fiscal cost over the simulated horizon divided by the registered (or "
        "operating) entities the whole scenario, the mix of levers, has beyond the no-policy run "
        "with the same seed, run by run, then the median. The denominator is the mix's additional "
        "entities, not those of the lever alone: attributing entities to single levers needs a "
        "Shapley decomposition, left to a later version.",
    ),
    "levers.gains": (
        "各类政策单独实施相对“无政策”的增量（2025年底）",
        "What each family brings on its own: gain over no policy, end-2025",
    ),
    # what-if
    "whatif.heading": ("情景推演：自选政策工具与力度", "What-if: choose levers and intensities"),
    "whatif.base": ("起点情景", "Start from scenario"),
    "whatif.levers": ("调整的政策工具", "Levers to change"),
    "whatif.intensity": ("力度", "Intensity"),
    "whatif.document": ("文件", "document"),
    "whatif.runs": ("模拟次数", "Runs"),
    "whatif.run": ("运行推演", "Run"),
    "whatif.cancel": ("取消", "Cancel"),
    "whatif.idle": ("尚未运行。", "Not run yet."),
    "whatif.progress": ("已完成 {done}/{total} 次模拟……", "{done} of {total} runs done…"),
    "whatif.done": (
        "推演完成：{runs} 次模拟，每行代表 {scale} 户。",
        "Done: {runs} runs, {scale} entities per row.",
    ),
    "whatif.failed": ("推演失败：{detail}", "The run failed: {detail}"),
    "whatif.queued": (
        "排队等候：第 {position} 位（同时最多运行 {slots} 个推演）",
        "Queued: position {position} (at most {slots} what-if runs at a time)",
    ),
    "whatif.busy": (
        "服务器正忙，排队已满，请稍后再试。",
        "The server is busy and its queue is full; please try again later.",
    ),
    "whatif.unavailable": (
        "本机无法进行实时推演：{detail}",
        "Live runs are not available here: {detail}",
    ),
    "whatif.compare": ("对照的已存情景", "Stored scenarios to compare"),
    "whatif.label": ("推演方案", "What-if"),
    "whatif.note": (
        "推演与已存结果逐次配对：第 r 次推演使用已存批次第 r 次模拟的随机种子、参数抽样（含2020年底存量）"
        "和比例，只改变所选政策工具的力度（1 = 文件规定的力度），因此不作改动的推演与起点情景完全相同，"
        "差异全部来自政策。默认模拟次数为约{budget}秒内可完成的已存模拟次数（本批次：{default} 次，"
        "最多 {most} 次）。配对变化为逐次之差的中位数及5%–95%区间；每增加一户财政成本和增量中依赖假设的"
        "比重以相同种子的已存“无政策”模拟为对照。",
        "The live run is paired with the stored batch run by run: what-if run r uses stored run "
        "r's seed, parameter draw (the end-2020 stock included) and scale, and changes only the "
        "chosen levers' intensities (1 = as the document sets them); an unchanged what-if therefore "
        "equals its base scenario exactly, and every difference is policy. Default runs: as many "
        "of the stored runs as finish in about {budget} s (here {default}, at most {most}). Paired "
        "changes: the median and 5–95 % band of the run-by-run differences; the cost per "
        "additional entity and the share resting on assumptions are against the stored no-policy "
        "runs with the same seeds.",
    ),
    "whatif.running": (
        "推演进行中……（下方仍为上一次的结果）",
        "Running… (below: the previous result)",
    ),
    "whatif.cancelled": (
        "已取消推演，上一次的结果已清除。",
        "The run was cancelled; the previous result has been cleared.",
    ),
    "whatif.settings": (
        "本结果的设置：起点情景 {base}；{levers}；已存批次的第 1–{runs} 次模拟（相同种子和参数抽样），"
        "每行代表 {scale} 户；下表中已存情景也只取这 {runs} 次模拟。",
        "This result's settings: base {base}; {levers}; stored runs 1–{runs} again (same seeds and "
        "parameter draws), {scale} entities per row; the stored scenarios in the table below are "
        "over the same {runs} runs.",
    ),
    "whatif.settings_levers": ("调整的政策工具：{levers}", "levers changed: {levers}"),
    "whatif.settings_none": ("未调整任何政策工具", "no lever changed"),
    "whatif.lever_off": ("{lever} 关闭", "{lever} off"),
    "whatif.lever_at": ("{lever} 力度 {intensity}", "{lever} at {intensity}"),
    "whatif.other_code": (
        "注意：模型代码自该批次运行后已改变，推演与已存结果的差异也包含代码的变化。",
        "Note: the model code changed since the batch ran; differences from the stored results "
        "include the code's.",
    ),
    "whatif.changes": ("配对变化（2025年底，逐次配对）", "Paired change (end-2025, run by run)"),
    "whatif.changes_against": ("对照", "Against"),
    "whatif.changes_runs": ("配对次数", "Paired runs"),
    "whatif.change.n_registered": ("登记户数变化", "Change in registered"),
    "whatif.change.n_operating": ("经营户数变化", "Change in operating"),
    "whatif.change.ratio": ("倍数变化（相对2020年底）", "Change in ratio to end-2020"),
    "whatif.save_name": (
        "方案名称（英文小写、数字、下划线）",
        "Name (lower-case letters, digits, _)",
    ),
    "whatif.save": ("保存为情景文件", "Save as scenario file"),
    "whatif.saved": (
        "已保存：{path}（可用 uv run python run.py run {path} 运行）",
        "Saved: {path} (run it with uv run python run.py run {path})",
    ),
    "whatif.save_refused": ("未保存：{detail}", "Not saved: {detail}"),
    "whatif.share": ("分享链接", "Share link"),
    "whatif.share_copy": ("复制链接", "Copy link"),
    "whatif.share_ignored": (
        "链接中以下设置无效，已忽略：{items}",
        "These settings of the link are not valid and were ignored: {items}",
    ),
    # backtest
    "backtest.heading": (
        "回测：模型与2020年以后公布的数据",
        "Backtest: the model against the counts published since 2020",
    ),
    "backtest.note": (
        "实线为各情景的中位数，阴影为5%–95%区间（每个情景 {runs} 次模拟，自2020年底起）；“按文件实施”"
        "情景即2020年以后实际执行的政策。点为公布数据，误差线为其90%区间；●为公布数，▲为下限（实际数"
        "至少为此值），▼为上限（至多为此值）；实心为后验分布拟合时用过的数据，空心为未用过的数据"
        "（对模型的样本外检验）。",
        "Lines are each scenario's median, shading the 5–95 % band ({runs} runs per scenario, from "
        "end-2020); the document as enacted is the policy actually carried out after 2020. Points "
        "are published counts, whiskers their 90 % band; ● a count, ▲ a lower bound (the true "
        "count is at least this), ▼ an upper bound (at most this); filled: the posterior was "
        "fitted to it, hollow: it was not (an out-of-sample check of the model).",
    ),
    "backtest.bands": (
        "模拟区间与公布数据",
        "Simulated bands and published counts",
    ),
    "backtest.point.eq": ("公布数", "Published count"),
    "backtest.point.at_least": ("公布下限（至少）", "Published lower bound (at least)"),
    "backtest.point.at_most": ("公布上限（至多）", "Published upper bound (at most)"),
    "backtest.used": ("用于拟合", "used in the fit"),
    "backtest.unused": ("未用于拟合", "not used in the fit"),
    "backtest.legend": ("{point}，{use}", "{point}, {use}"),
    "backtest.band_90": ("90%区间", "90 % band"),
    "backtest.no_observations": (
        "observations/ 中没有公布数据。",
        "There are no published counts in observations/.",
    ),
    "backtest.posterior": (
        "本批模拟的参数抽自后验分布：{path}",
        "The runs of this batch drew their parameters from the posterior {path}",
    ),
    "backtest.no_posterior": (
        "本批模拟未从后验分布抽取参数",
        "The runs of this batch did not draw from a posterior",
    ),
    "backtest.no_posterior_detail": (
        "模拟时使用了 --posterior none（或后验分布已不在原处），因此没有2021年前矩的拟合表，也没有"
        "参数的先验与后验分布；上图只比较模拟区间与公布数据。",
        "They were run with --posterior none (or the posterior is no longer where it was), so "
        "there is no table of the pre-2021 moments and no prior against posterior; the chart "
        "above only sets the simulated bands against the published counts.",
    ),
    "backtest.no_moments": (
        "后验分布目录中没有 moments.csv，无法列出矩的拟合值。",
        "The posterior folder holds no moments.csv: no fitted moments to list.",
    ),
    "backtest.moments": (
        "2021年前的矩：拟合值与目标",
        "The pre-2021 moments: fitted against target",
    ),
    "backtest.moments_note": (
        "后验分布所接受模拟的中位数及其5%–95%区间，对照校准目标及其可接受范围；中位数落在范围外的"
        "以红色标出。",
        "The median of the runs the posterior accepted, with their 5–95 % band, against the "
        "calibration target and its acceptable range; a median outside the range is marked red.",
    ),
    "backtest.col.name": ("矩", "Moment"),
    "backtest.col.target": ("目标值", "Target"),
    "backtest.col.range": ("可接受范围", "Acceptable range"),
    "backtest.col.median": ("后验模拟中位数", "Posterior runs' median"),
    "backtest.col.band": ("5%–95%区间", "5–95 % band"),
    "backtest.col.within": ("中位数在范围内", "Median within range"),
    "backtest.within": ("是", "yes"),
    "backtest.outside": ("否", "no"),
    "backtest.observation_name": (
        "{quantity}（{month}，公布数据）",
        "{quantity}, {month} (published)",
    ),
    "backtest.marginals": (
        "参数的先验与后验分布",
        "The parameters: prior against posterior",
    ),
    "backtest.prior": ("先验", "Prior"),
    "backtest.posterior_density": ("后验", "Posterior"),
    "backtest.no_marginals": (
        "没有后验分布，无法比较先验与后验。",
        "No posterior: no prior against posterior to show.",
    ),
    # quantities observed (the others are kinds: kind.*)
    "quantity.n_registered": ("登记市场主体数", "Registered market entities"),
    "quantity.n_operating": ("实际经营的市场主体数", "Operating market entities"),
    "quantity.n_dormant": ("未实际经营的市场主体数", "Registered, not operating"),
    "quantity.n_enterprise": ("企业数", "Enterprises"),
    "quantity.n_shell": ("空壳市场主体数", "Shell entities"),
    # the pre-2021 moments of the calibration (model/world/data/calibration_targets.csv)
    "moment.registered_growth_per_year": (
        "登记市场主体年增长率",
        "Growth of registered entities per year",
    ),
    "moment.net_to_new_ratio": ("净增数与新登记数之比", "Net additions per new registration"),
    "moment.operating_share_of_registered": (
        "实际经营占登记的比重",
        "Operating share of registered entities",
    ),
    "moment.new_registrations_operating_after_12_months": (
        "新登记主体12个月后仍在经营的比重",
        "New registrations operating after 12 months",
    ),
    "moment.new_registrations_operating_in_first_month": (
        "新登记主体首月开业的比重",
        "New registrations operating in their first month",
    ),
    "moment.enterprise_exit_hazard_year_1": ("企业成立当年退出率", "Enterprise exits, year 1"),
    "moment.enterprise_exit_hazard_year_2": ("企业第2年退出率", "Enterprise exits, year 2"),
    "moment.enterprise_exit_hazard_year_3": ("企业第3年退出率", "Enterprise exits, year 3"),
    "moment.enterprise_exit_hazard_years_4_to_7": (
        "企业第4–7年退出率（每年）",
        "Enterprise exits, years 4–7 (per year)",
    ),
    "moment.individual_exits_per_new_registration": (
        "个体工商户退出数与新登记数之比",
        "Individual-business exits per new registration",
    ),
    "moment.individual_share_of_entities": (
        "个体工商户占市场主体的比重",
        "Individual businesses' share of entities",
    ),
    "moment.persons_per_individual_business": (
        "每户个体工商户从业人数",
        "Persons per individual business",
    ),
    "moment.persons_per_new_small_firm": (
        "新设小微企业从业人数",
        "Persons per new small firm",
    ),
    # the calibrated parameters (model/world/priors.py UNCERTAIN)
    "parameter.entry_rate_per_year": ("年新登记率", "Entry rate per year"),
    "parameter.failure_scale_enterprise": (
        "企业退出率系数（成立当年）",
        "Enterprise failure scale, year 1",
    ),
    "parameter.failure_scale_enterprise_peak": (
        "企业退出率系数（第2–3年）",
        "Enterprise failure scale, years 2–3",
    ),
    "parameter.failure_scale_enterprise_old": (
        "企业退出率系数（第4年起）",
        "Enterprise failure scale, year 4 on",
    ),
    "parameter.failure_scale_individual": ("个体工商户退出率系数", "Individual failure scale"),
    "parameter.dormant_exit_first_year_per_month": (
        "未开业主体首年月退出率",
        "Dormant exits per month, first year",
    ),
    "parameter.dormant_exit_per_month": ("未开业主体月退出率", "Dormant exits per month"),
    "parameter.revocation_hazard_per_month": (
        "长期未开业主体月吊销率",
        "Revocations per month, long dormant",
    ),
    "parameter.never_open_share": ("从未开业的比重", "Share never opening"),
    "parameter.open_first_month_share": ("首月开业的比重", "Share opening in the first month"),
    "parameter.open_hazard_per_month": ("月开业率", "Openings per month"),
    "parameter.entry_trend_per_year": ("新登记年趋势（2021年起）", "Entry trend per year, 2021 on"),
    "parameter.entry_trend_pre_2021_per_year": (
        "新登记年趋势（2021年前）",
        "Entry trend per year, before 2021",
    ),
    "parameter.start_stock_total": ("2020年底市场主体总数", "Entities at end-2020"),
    "parameter.fidelity_without_implementation": (
        "缺少落实机制时的政策落实程度",
        "Delivery without implementation machinery",
    ),
    "parameter.policy_responsiveness": ("市场主体对政策的响应程度", "Responsiveness to policy"),
    # attribution and sensitivity (贡献与敏感性)
    "attribution.heading": ("贡献分解与敏感性分析", "Attribution and sensitivity"),
    "attribution.page_note": (
        "各类政策（及各项措施）对新增市场主体的贡献：Shapley值，即在所有加入顺序下的平均增量，"
        "与同一随机种子的无政策模拟配对比较，各项贡献相加等于整套政策的增量。"
        "敏感性：哪些不确定输入决定结果（Morris筛选，Sobol指数）。",
        "What each family (and lever) adds over no policy: its Shapley value, the average "
        "additional entities over every order of adding them, paired with the no-policy run of "
        "the same seed; the values add up to the package's gain. Sensitivity: which uncertain "
        "inputs decide the result (Morris screening, Sobol indices).",
    ),
    "attribution.section": ("贡献分解（Shapley值）", "Attribution (Shapley values)"),
    "attribution.outcome": ("新增主体口径", "Additional entities"),
    "attribution.outcome.operating": ("在营主体", "Operating"),
    "attribution.outcome.registered": ("登记主体", "Registered"),
    "attribution.entities.operating": ("在营市场主体", "operating entities"),
    "attribution.entities.registered": ("登记市场主体", "registered entities"),
    "attribution.to": ("至", " to "),
    "attribution.waterfall": (
        "从无政策到本情景：2025年底{entities}",
        "From no policy to the scenario: {entities} at end-2025",
    ),
    "attribution.by_family": ("{scenario} · 按政策类别", "{scenario} · by family"),
    "attribution.by_lever": ("{scenario} · 按措施", "{scenario} · by lever"),
    "attribution.no_policy": ("无政策", "No policy"),
    "attribution.interval": ("90%区间", "90 % interval"),
    "attribution.level.family": ("政策类别（精确）", "families (exact)"),
    "attribution.level.lever": ("措施（置换抽样）", "levers (permutation sampling)"),
    "attribution.source": (
        "贡献分解：{folder} · {runs} 次模拟 · 每行代表 {scale} 户 · 参与者：{level}",
        "Attribution: {folder} · {runs} runs · {scale} entities per row · players: {level}",
    ),
    "attribution.note": (
        "柱高为各次模拟的平均值，须线为均值的90%区间；区间包含0的贡献无法与零区分，标为≈0，不参与排名。",
        "Bars: the mean over runs; whiskers: the 90 % interval of the mean. A value whose "
        "interval includes 0 cannot be told apart from zero: shown as ≈0, not ranked.",
    ),
    "attribution.none": (
        "尚无“{scenario}”的贡献分解结果",
        "No attribution of “{scenario}” yet",
    ),
    "attribution.none_short": (
        "尚无“{scenario}”的贡献分解结果（见上方命令）",
        "No attribution of “{scenario}” yet (see the command above)",
    ),
    "attribution.run": ("生成命令：{command}", "Made by: {command}"),
    "attribution.unreadable": (
        "无法读取的贡献分解目录：{detail}",
        "Unreadable attribution: {detail}",
    ),
    "attribution.levers": ("各项措施：贡献与成本效益", "Levers: gain and cost-effectiveness"),
    "attribution.no_levers": (
        "尚无“{scenario}”按措施的贡献分解",
        "No lever-level attribution of “{scenario}” yet",
    ),
    "attribution.levers_note": (
        "点击列标题排序，再次点击则反向。≈0：无法与零区分，不排名，不计算每户成本。费用为本情景各次模拟"
        "至2025年底的财政支出均值；每新增一户的成本为逐次模拟计算后的中位数。",
        "Click a header to sort, again to reverse. ≈0: cannot be told apart from zero, not ranked, "
        "no yuan per entity. Cost: what the lever paid to end-2025 in the scenario's runs, the "
        "mean; yuan per additional entity: run by run, the median.",
    ),
    "attribution.not_available": ("不适用", "n/a"),
    "attribution.col.rank": ("排名", "Rank"),
    "attribution.col.lever": ("措施", "Lever"),
    "attribution.col.family": ("政策类别", "Family"),
    "attribution.col.articles": ("条款", "Articles"),
    "attribution.col.department": ("牵头单位", "Lead department"),
    "attribution.col.gain": ("新增{entities}（均值）", "Additional {entities} (mean)"),
    "attribution.col.interval": ("90%区间", "90 % interval"),
    "attribution.col.cost": ("财政费用（万元）", "Fiscal cost (M yuan)"),
    "attribution.col.per_entity": (
        "每新增一户{entities}的成本（元）",
        "Yuan per additional entity ({entities})",
    ),
    "sensitivity.section": ("全局敏感性", "Global sensitivity"),
    "sensitivity.output": ("敏感性输出", "Sensitivity output"),
    "sensitivity.output.ratio": (
        "2025年底登记主体与2020年底之比",
        "Registered end-2025 / end-2020",
    ),
    "sensitivity.output.end_operating": ("2025年底在营主体", "Operating entities, end-2025"),
    "sensitivity.output.doubled": ("是否如期倍增（P(倍增)）", "Doubled by 2025-12 (P(doubled))"),
    "sensitivity.output.additional_registered": (
        "新增登记主体（对比无政策）",
        "Additional registered (against no policy)",
    ),
    "sensitivity.output.additional_operating": (
        "新增在营主体（对比无政策）",
        "Additional operating (against no policy)",
    ),
    "sensitivity.morris": ("Morris筛选：μ*（95%区间）", "Morris screening: mu* (95 % interval)"),
    "sensitivity.sobol": (
        "Sobol指数：一阶S1与总效应ST（95%区间）",
        "Sobol indices: first-order S1 and total ST (95 % intervals)",
    ),
    "sensitivity.S1": ("一阶指数 S1", "First-order S1"),
    "sensitivity.ST": ("总效应指数 ST", "Total ST"),
    "sensitivity.group.world": ("模型参数", "World input"),
    "sensitivity.group.lever": ("政策效果", "Lever effect"),
    "sensitivity.distribution.uniform": ("均匀分布", "uniform"),
    "sensitivity.distribution.triangular": ("三角分布", "triangular"),
    "sensitivity.distribution.posterior": ("后验边缘分布", "posterior marginal"),
    "sensitivity.chance": ("随机波动水平", "chance alone"),
    "sensitivity.source": (
        "敏感性分析：共 {runs} 次模拟 · 每行代表 {scale} 户",
        "Sensitivity analysis: {runs} simulations · {scale} entities per row",
    ),
    "sensitivity.note": (
        "μ*：输入在其范围内变动时输出的平均绝对变化（同一随机种子）；虚线为仅由随机性产生的μ*。"
        "Sobol指数只对Morris筛选出的主要输入计算，其余输入固定在中心值。",
        "mu*: the mean absolute change of the output as an input moves across its range (one "
        "seed); the dashed line, the mu* chance alone would give. Sobol indices only for the "
        "inputs Morris screened as largest, the others at their central values.",
    ),
    "sensitivity.none": (
        "尚无“{scenario}”的敏感性分析结果",
        "No sensitivity analysis of “{scenario}” yet",
    ),
    "sensitivity.none_short": (
        "尚无“{scenario}”的敏感性分析（见上方命令）",
        "No sensitivity analysis of “{scenario}” yet (see the command above)",
    ),
    "sensitivity.unreadable": (
        "现有的敏感性分析无法读取：{detail}",
        "The analysis there cannot be read: {detail}",
    ),
    "sensitivity.no_sobol": (
        "尚未计算Sobol指数：{command} --method sobol",
        "No Sobol indices yet: {command} --method sobol",
    ),
    "sensitivity.no_variance": (
        "该输出在各次模拟中没有变化，无法计算指数",
        "This output does not vary over the runs: no indices",
    ),
    "sensitivity.no_effect": ("没有输入对该输出产生影响", "No input moves this output"),
    # the path to the target (实现路径): the search of `run.py optimise` (issue 14 item 3)
    "nav.optimise": ("实现路径", "Path to the target"),
    "optimise.heading": (
        "实现路径：实现倍增的最低成本政策组合",
        "Path to the target: the cheapest mix of levers that doubles",
    ),
    "optimise.note": (
        "圆点：搜索所得前沿（满足约束的组合中，没有其他组合既更便宜又更可能倍增），为搜索估计（每个组合"
        "{runs} 次模拟，倍增概率按各次模拟峰值比值的正态近似）；菱形：已验证的组合，{verify} 次新的模拟"
        "（不同的随机种子），倍增概率为倍增模拟的占比及其90%区间。颜色：2025年12月运营中的市场主体占"
        "已登记的比例。点击一个点查看其政策工具。",
        "Dots: the front of the search (mixes within the constraints that no other beats on both cost "
        "and P), search estimates ({runs} runs per mix, P by a normal approximation of the runs' "
        "peak ratios); diamonds: verified mixes, {verify} fresh runs (other seeds), P the share of "
        "runs doubled with its 90 % interval. Colour: the share of registered entities operating in "
        "Dec 2025. Click a point to see its levers.",
    ),
    "optimise.frontier": ("成本—倍增概率前沿", "Cost against P(doubled): the frontier"),
    "optimise.front": ("搜索前沿", "Search front"),
    "optimise.verified": ("已验证", "Verified"),
    "optimise.target": ("目标 {p}", "Target {p}"),
    "optimise.cost_axis": ("财政成本（至2025年12月）", "Fiscal cost to Dec 2025"),
    "optimise.p_axis": ("2025年12月前倍增的概率", "P(doubled by Dec 2025)"),
    "optimise.share": ("运营占比", "Operating share"),
    "optimise.missing": ("尚无实现路径的搜索结果", "No search for the path to the target yet"),
    "optimise.missing_detail": (
        "在 {folder} 中没有读到 run.py optimise 的结果。请先运行：uv run python run.py optimise "
        "--out {folder}（默认设置约20分钟），或用 run.py dashboard --optimisation 目录 指定其输出目录。",
        "No run.py optimise output could be read in {folder}. Run first: uv run python run.py "
        "optimise --out {folder} (about 20 minutes with the defaults), or give its output folder "
        "with run.py dashboard --optimisation FOLDER.",
    ),
    "optimise.reason": ("原因：{detail}", "Reason: {detail}"),
    "optimise.goal": (
        "目标：2025年12月前倍增的概率不低于 {p}；约束：2025年12月运营占比不低于 {share}；{budget}。",
        "Target: P(doubled by Dec 2025) at least {p}; constraints: operating share in Dec 2025 at "
        "least {share}; {budget}.",
    ),
    "optimise.budget": ("财政成本不超过 {budget}", "fiscal cost at most {budget}"),
    "optimise.no_budget": ("不设预算上限", "no budget cap"),
    "optimise.answer_met": (
        "最低成本的达标组合：{name}，财政成本 {cost}，倍增概率 {p} {interval}（{runs} 次模拟）。",
        "The cheapest mix meeting the target: {name}, fiscal cost {cost}, P(doubled) {p} "
        "{interval} ({runs} runs).",
    ),
    "optimise.answer_not_met": (
        "在目录界定的范围内，没有已验证的组合达到目标。已验证的最高倍增概率：{name}，{p} {interval}"
        "（{runs} 次模拟），财政成本 {cost}。",
        "Not reachable: no verified mix within the catalogue's bounds meets the target. The best "
        "verified: {name}, P(doubled) {p} {interval} ({runs} runs), fiscal cost {cost}.",
    ),
    "optimise.no_front": (
        "没有满足约束的组合，前沿为空，也没有可验证的组合。",
        "No mix met the constraints: the front is empty and nothing was verified.",
    ),
    "optimise.verified_heading": ("已验证的组合", "Verified mixes"),
    "optimise.col.scenario": ("组合", "Mix"),
    "optimise.col.runs": ("模拟次数", "Runs"),
    "optimise.col.p_doubled": ("倍增概率（90%区间）", "P(doubled) (90 % interval)"),
    "optimise.col.fiscal_cost": ("财政成本（中位数）", "Fiscal cost (median)"),
    "optimise.col.operating_share": ("运营占比", "Operating share"),
    "optimise.col.ratio": ("比2020年底（中位数）", "Ratio to end-2020 (median)"),
    "optimise.col.yuan_per_additional_operating": (
        "每增加一户运营主体财政成本",
        "Yuan per additional operating entity",
    ),
    "optimise.col.meets_target": ("是否达标", "Meets the target"),
    "optimise.yes": ("达标", "yes"),
    "optimise.no": ("未达标", "no"),
    "optimise.point": ("试验 {trial} 的政策组合", "The levers of trial {trial}"),
    "optimise.point_search": (
        "搜索估计：财政成本 {cost}，倍增概率 {p}，运营占比 {share}，启用 {levers} 项政策工具。",
        "Search estimate: fiscal cost {cost}, P(doubled) {p}, operating share {share}, {levers} "
        "levers on.",
    ),
    "optimise.point_verified": (
        "已验证为 {name}：{runs} 次新的模拟，倍增概率 {p} {interval}，财政成本 {cost}，运营占比 "
        "{share}。",
        "Verified as {name}: {runs} fresh runs, P(doubled) {p} {interval}, fiscal cost {cost}, "
        "operating share {share}.",
    ),
    "optimise.point_unverified": (
        "此点未经验证，只有搜索估计；只有已验证的组合（菱形）可在走势页打开。",
        "Not verified: search estimates only; only verified mixes (diamonds) open on the "
        "trajectories page.",
    ),
    "optimise.open": ("在走势页查看此组合", "Open this mix on the trajectories page"),
    "optimise.col.lever": ("政策工具", "Lever"),
    "optimise.col.family": ("类别", "Family"),
    "optimise.col.intensity": ("力度（文件值 = 1）", "Intensity (the document's = 1)"),
    "optimise.col.start": ("起始月份", "Start"),
    "optimise.col.articles": ("条款", "Articles"),
    "optimise.col.departments": ("责任单位", "Departments"),
    "trajectories.mix": ("实现路径的已验证组合", "A verified mix of the path to the target"),
    "trajectories.mix_label": (
        "实现路径 {name}（已验证，{runs} 次）",
        "Path {name} (verified, {runs} runs)",
    ),
    # the briefing report (run.py report, the 导出报告 button: dashboard/report.py)
    "report.export": ("导出报告", "Export report"),
    "report.title": (
        "市场主体倍增工程 决策参考报告",
        "Market-entity doubling plan: briefing report",
    ),
    "report.subtitle": (
        "晋发〔2021〕67号 政策模拟结果",
        "Simulation results of Jin Fa [2021] No. 67 (晋发〔2021〕67号)",
    ),
    "report.made": ("生成于 {date} · 结果目录 {folder}", "Made {date} · results folder {folder}"),
    "report.section.summary": ("一、结论", "1. Summary"),
    "report.fact.fact": ("要点", "Key figure"),
    "report.fact.target": (
        "倍增目标（2020年底登记数×2，中位数）",
        "Doubling target (2 × end-2020, median)",
    ),
    "report.fact.base": ("2020年底登记数（估算）", "Registered at end-2020 (estimate)"),
    "report.fact.end": ("2025年底登记数", "Registered at end-2025"),
    "report.fact.ratio": ("相对2020年底倍数", "Ratio to end-2020"),
    "report.fact.gap": ("距倍增目标（中位数）", "Short of the target (median)"),
    "report.fact.p_doubled": ("倍增概率（90%区间）", "P(doubled) (90 % interval)"),
    "report.fact.nearest": ("最接近目标的方案", "The scenario nearest the target"),
    "report.fact.nearest_cost": ("其财政成本（中位数）", "Its fiscal cost (median)"),
    "report.fact.note": (
        "中位数，括号内为5%–95%区间；共{runs}次模拟。",
        "Medians, 5–95 % range in brackets; {runs} runs.",
    ),
    "report.section.scenarios": ("二、各情景结果", "2. The scenarios"),
    "report.section.trajectories": ("三、走势", "3. Trajectories"),
    "report.section.composition": ("四、结构与质量", "4. Composition and quality"),
    "report.section.cities": ("五、各市", "5. Cities"),
    "report.section.city_targets": (
        "各市分解目标与年度进度",
        "Each city's targets and annual milestones",
    ),
    "report.section.cost": ("六、成本效益", "6. Cost-effectiveness"),
    "report.section.by_lever": ("按政策工具（成本最高者）", "By lever (the dearest)"),
    "report.section.by_department": ("按牵头单位", "By lead department"),
    "report.section.assumptions": ("七、依赖假设的增量", "7. Gains resting on assumptions"),
    "report.section.sources": ("八、数据来源", "8. Data sources"),
    "report.section.settings": ("九、运行设置", "9. Run settings"),
    "report.section.caveats": ("十、注意事项", "10. Caveats"),
    "report.bands_note": (
        "实线为中位数，阴影为5%–95%区间；每个情景 {runs} 次模拟（共用随机数）。",
        "Lines are medians, shading the 5–95 % band; {runs} runs per scenario (common random "
        "numbers).",
    ),
    "report.city.city": ("城市", "City"),
    "report.city.registered": ("{year}年底登记数", "Registered, end-{year}"),
    "report.city.operating": ("{year}年底实际经营数", "Operating, end-{year}"),
    "report.city.ratio": ("登记数倍数：{scenario}", "Ratio to end-2020: {scenario}"),
    "report.city.note": (
        "登记数与实际经营数为情景“{scenario}”{year}年底的中位数；倍数为{year}年底登记数与2020年底"
        "之比，中位数，括号内为5%–95%区间。",
        "Registered and operating: medians of “{scenario}” at end-{year}; ratio: registered at "
        "end-{year} over end-2020, median with its 5–95 % range.",
    ),
    "report.city.targets_note": ("情景：“{scenario}”。", "Scenario: “{scenario}”. "),
    "report.by.lever": ("政策工具", "Lever"),
    "report.by.department": ("牵头单位", "Lead department"),
    "report.by.lever_note": (
        "情景“{scenario}”中财政成本最高的政策工具：成本为中位数；每增加一户财政成本以整个情景的增量"
        "为分母（与同一随机种子的无新政策模拟配对）。各工具自身的贡献见 run.py attribute（Shapley值）。",
        "The dearest levers of “{scenario}”: median cost; the yuan per additional entity divides "
        "by the whole scenario's additional entities (paired with the no-policy run of the same "
        "seed). What each lever adds itself: run.py attribute (Shapley values).",
    ),
    "report.by.department_note": (
        "情景“{scenario}”按牵头单位（文件条款所列第一个单位）汇总的财政成本与每增加一户财政成本。",
        "The cost of “{scenario}” by lead department (the first department its articles name), "
        "and the yuan per additional entity.",
    ),
    "report.sources.group": ("参数类别", "Numbers"),
    "report.sources.numbers": ("个数", "Count"),
    "report.sources.assumed": ("其中来源为假设（assumption:）", "Of them sourced assumption:"),
    "report.sources.note": (
        "模型中的每个数值都注明来源，或注明为假设并说明理由；完整参数表：run.py register"
        "（docs/parameters.md）。",
        "Every number of the model names its source, or says it is an assumption with its "
        "reasoning; the full register: run.py register (docs/parameters.md).",
    ),
    "report.group.base_rates": ("基础参数（base_rates.csv）", "Base rates (base_rates.csv)"),
    "report.group.effects": ("政策效应（levers/*.yaml）", "Lever effects (levers/*.yaml)"),
    "report.group.take_up": ("政策覆盖率", "Take-up"),
    "report.group.costs": ("财政成本参数", "Fiscal costs"),
    "report.files.file": ("数据文件", "Data file"),
    "report.files.what": ("内容", "What it holds"),
    "report.files.numbers": ("引用它的参数个数", "Numbers citing it"),
    "report.files.note": (
        "公开数据位于 shared/data，模型使用的副本位于 model/world/data；每行数据均注明原始出处。",
        "The public figures are in shared/data, the copies the model reads in model/world/data; "
        "every row names its original source.",
    ),
    "report.file.effect_priors.md": (
        "各项政策效应大小的文献证据（登记改革、融资担保、创业补贴、减税、个转企、小升规等）",
        "Literature on the size of each lever's effect (registration reform, credit guarantees, "
        "start-up subsidies, tax relief, 个转企, 小升规, …)",
    ),
    "report.file.national_demography.csv": (
        "全国市场主体统计：按年龄的退出风险、存活率、开业比例、活跃比例、新增与净增之比等",
        "China-wide business demography: exit hazard by age, survival, opening, activity, "
        "net-to-new ratios",
    ),
    "report.file.README.md": (
        "2020年底存量估算及其区间（shared/data/README.md）",
        "The end-2020 stock estimate and its range (shared/data/README.md)",
    ),
    "report.file.calibration_targets.csv": (
        "校准目标：无新政策情形须再现的矩",
        "Calibration targets: the moments a no-policy run must reproduce",
    ),
    "report.file.stock_history.csv": (
        "山西与全国市场主体存量历史序列（进入趋势）",
        "Stock history of Shanxi and China (the entry trends)",
    ),
    "report.file.shanxi_history.csv": (
        "山西历年存量（1998–2014）及2004、2018年经济普查数",
        "Shanxi stock figures (1998–2014) and the 2004 and 2018 economic censuses",
    ),
    "report.file.sectors.csv": ("行业划分及其份额", "Sectors and their shares"),
    "report.file.cities.csv": (
        "11个地级市及2020年人口普查常住人口",
        "The 11 cities and their 2020 census population",
    ),
    "report.file.base_rates.csv": ("模型基础参数表", "The model's base rates"),
    "report.settings.scenarios": ("情景数", "Scenarios"),
    "report.settings.runs": ("每个情景模拟次数", "Runs per scenario"),
    "report.settings.evidence_runs": (
        "其中同时模拟“仅有依据”方案的次数（前若干次）",
        "Of them, with an evidence-only variant (the first ones)",
    ),
    "report.settings.scale": ("每行代表户数（规模）", "Real entities per simulated row (scale)"),
    "report.settings.seed": ("随机种子", "Seed"),
    "report.settings.until": ("模拟截止月份", "Last month simulated"),
    "report.settings.posterior": ("参数后验", "Posterior"),
    "report.settings.posterior_text": (
        "{path}（粒子哈希 {sha}…）；拟合数据：{fitted}；观测数据：{observations}；校准时间 {created}",
        "{path} (particles' hash {sha}…); fitted to {fitted}; observations: {observations}; "
        "calibrated {created}",
    ),
    "report.settings.no_posterior": (
        "无（--posterior none：参数取校准值，仅抽取初始存量）",
        "none (--posterior none: calibrated values, only the starting stock drawn)",
    ),
    "report.settings.version": ("程序版本", "Program version"),
    "report.settings.commit": ("代码版本（git）", "Code version (git commit)"),
    "report.settings.fingerprint": ("模型代码指纹", "Model code fingerprint"),
    "report.settings.created": ("模拟时间", "Simulated"),
    "report.settings.command": ("命令", "Command"),
    "report.settings.folder": ("结果目录", "Results folder"),
    "report.caveat.model": (
        "本报告为模型在所述假设下的模拟结果，不是预测。2020年底存量是带区间的估算值，并非公布数。",
        "These are model results under stated assumptions, not forecasts. The end-2020 stock is "
        "an estimate with a range, not a published count.",
    ),
    "report.caveat.pairing": (
        "政策效果一律以“增量”衡量：与同一随机种子、同一参数抽样的无新政策模拟相比多出的主体数，"
        "而非总增长。",
        "A policy's value is always its additional entities: beyond the no-policy run with the "
        "same seed and parameter draw, never gross growth.",
    ),
    "report.caveat.probability": (
        "倍增概率按每次模拟各自的2020年底存量判断；图中目标线为各次模拟2020年底存量两倍的中位数，"
        "因此区间越过目标线时倍增概率仍可能为0%。",
        "P(doubled) is judged run by run against each run's own end-2020 count; the target line "
        "is the median of twice each run's end-2020 count, so a band can cross it while "
        "P(doubled) is still 0 %.",
    ),
    "report.caveat.assumptions": (
        "部分政策（如个转企、小升规奖励、首违不罚）没有因果估计，其效应为区间较宽的假设；第七部分给出"
        "增量中依赖这些假设的比例。",
        "Several levers (个转企 and 小升规 rewards, 首违不罚) have no causal estimate: their effects "
        "are assumptions with wide ranges; section 7 gives the share of the gain resting on them.",
    ),
    "report.caveat.families": (
        "单一类别情景不含实施保障机制（落实程度较低），会低估该类政策在整套政策中的作用；各类别在整套"
        "政策中的贡献见 run.py attribute。",
        "Family-only scenarios run without the implementation mechanism (lower delivery), so they "
        "understate what a family adds inside the full package; its share of the package is "
        "run.py attribute.",
    ),
    "report.caveat.scale": (
        "本批次每个情景 {runs} 次模拟、每行代表 {scale} 户：次数少时区间较宽，倍增概率的90%区间"
        "尤其如此。",
        "This batch has {runs} runs per scenario, each simulated row standing for {scale} real "
        "entities: with few runs the bands, and the 90 % interval of P(doubled) above all, are "
        "wide.",
    ),
    "report.caveat.shells": (
        "目标责任考核的压力可能产生从不经营的空壳登记；登记数与实际经营数始终分开报告。",
        "Pressure of the campaign's targets can pad the register with shells that never "
        "operate; registered and operating entities are always reported apart.",
    ),
    # the answer first (结论先行): the overview's headline (dashboard/headline.py, issue 15)
    "headline.sentence": (
        "「{title}」情景下，2025年底登记市场主体约{count}户，为2020年底（约{base}户）的{ratio}"
        "（90%区间{low}–{high}），{gap}（倍增目标约{target}户）；倍增概率{p}（90%区间{p_low}–{p_high}，"
        "共{runs}次模拟）；各方案中最接近目标的是「{nearest}」（{nearest_ratio}，倍增概率{nearest_p}），"
        "财政成本约{cost}。",
        "Under “{title}”, about {count} registered entities at end-2025, {ratio} the end-2020 "
        "count (about {base}; 90 % interval {low}–{high}), {gap} (the doubling target: about "
        "{target}); P(doubled) {p} (90 % interval {p_low}–{p_high}, {runs} runs); the scenario nearest the "
        "target is “{nearest}” ({nearest_ratio}, P(doubled) {nearest_p}), at a fiscal cost of about "
        "{cost}.",
    ),
    "headline.short": ("距倍增目标还差约{gap}户", "about {gap} short of the target"),
    "headline.beyond": ("超过倍增目标约{gap}户", "about {gap} beyond the target"),
    "headline.explanation": (
        "倍增线（约{target}户）是各次模拟2020年底登记数×2的中位数；倍增概率则逐次模拟判断：每次模拟"
        "以其自身2020年底登记数的2倍为目标（起点是估计值，各次模拟的目标在{low}–{high}户之间，"
        "5%–95%）。起点高的模拟终点也高，所以区间越过倍增线，倍增概率仍可能为0%。",
        "The doubling line (about {target}) is the median over runs of 2 × the end-2020 count; "
        "P(doubled) is judged run by run, each run against twice its own end-2020 count (the "
        "starting stock is an estimate: the runs' targets span {low}–{high}, 5–95 %). Runs that "
        "start high also end high, so a band can cross the line while P(doubled) is 0 %.",
    ),
    "headline.above_line": (
        "本情景{runs}次模拟中有{n}次2025年底高于倍增线，但未达到自身的倍增目标。",
        " Here {n} of {runs} runs end above the line but below twice their own end-2020 count.",
    ),
    "overview.chart_note": (
        "红线：倍增目标（各次模拟2020年底×2的中位数）；浅红带：各次模拟自身目标的5%–95%。"
        "倍增概率逐次模拟判断（右侧）。",
        "Red line: the target (median of 2 × each run's end-2020 count); light red: the runs' own "
        "targets, 5–95 %. P(doubled) is judged run by run (right).",
    ),
    "overview.chart_p": ("倍增概率 {p}", "P {p}"),
    "overview.col.vs_no_policy": (
        "登记数变化：对比无政策（逐次配对）",
        "Registered: change vs no policy (paired runs)",
    ),
    "overview.col.vs_as_enacted": (
        "登记数变化：对比按文件实施（逐次配对）",
        "Registered: change vs as enacted (paired runs)",
    ),
    "overview.note_changes": (
        "登记数变化：情景2025年底登记数减去相同随机种子、相同参数抽样的“无政策”（或“按文件实施”）"
        "模拟，逐次计算后取中位数，括号内为5%–95%区间。",
        "Change in registered: the scenario's end-2025 count minus that of the no-policy (or "
        "as-enacted) run with the same seed and parameter draw, run by run, then the median "
        "(5–95 % in brackets).",
    ),
    # the cities' targets and annual milestones (各市分解目标, 年度进度; issue 15 build 5)
    "milestones.chart": (
        "各市年度进度：登记数相对2020年底的倍数与倍增进度目标",
        "Each city's path: registered entities over end-2020 against the annual milestones",
    ),
    "milestones.path": ("年度进度目标（匀速倍增）", "Annual milestone (steady doubling)"),
    "milestones.reference": (
        "{year}年进度目标（{ratio}）",
        "Milestone {year} ({ratio})",
    ),
    "milestones.heading": ("各市分解目标与年度进度", "City targets and annual milestones"),
    "milestones.note": (
        "假设：文件序言只要求“十四五”全省市场主体数量实现倍增，第47条把市场主体发展纳入年度考核，但未给出各市、各年度数字；"
        "这里把倍增目标按匀速增长分解到各市、各年：第y年底的进度目标 = 该市2020年底登记数 × 2^((y−2020)/5)"
        "（每年约增长14.9%）。表中目标按各次模拟2020年底数的中位数计算；“达到进度的模拟比例”逐次模拟判断"
        "（每次模拟以自身2020年底数为基数）。",
        "Assumption: the document asks only that the province's count double over 2021-2025 "
        "(preamble; art. 47 puts growth into the yearly assessments), with no city or yearly "
        "figures; here the target is split into steady growth for every city: the "
        "milestone at end of year y = the city's end-2020 registered count × 2^((y − 2020)/5) "
        "(about +14.9 % a year). The table's targets use the median end-2020 count over runs; the "
        "share of runs on track is judged run by run, each against its own end-2020 count.",
    ),
    "milestones.col.city": ("设区市", "City"),
    "milestones.col.start": ("2020年底登记数（中位数）", "Registered, end-2020 (median)"),
    "milestones.col.milestone": ("{year}年底进度目标", "Milestone, end-{year}"),
    "milestones.col.model": ("{year}年底模拟登记数", "Simulated, end-{year}"),
    "milestones.col.on_track": ("{year}年底达到进度的模拟比例", "Runs on track, end-{year}"),
    # the dropdowns' own texts ({num_selected} is filled in by the browser)
    "dropdown.select_all": ("全选", "Select all"),
    "dropdown.deselect_all": ("全部取消", "Deselect all"),
    "dropdown.selected_count": ("已选 {num_selected} 项", "{num_selected} selected"),
    "dropdown.search": ("搜索", "Search"),
    "dropdown.clear_search": ("清除搜索", "Clear search"),
    "dropdown.clear_selection": ("清除选择", "Clear selection"),
    "dropdown.no_options_found": ("没有匹配的选项", "No options found"),
    # issue 15, sources helper: the levers page by lead department, the sources page (假设与来源),
    # Excel-ready downloads
    "levers.lead_department": ("牵头单位", "Lead department"),
    "levers.other_departments": ("配合单位", "Other departments"),
    "error.technical_detail": ("技术细节（英文原文）", "Technical detail"),
    "nav.sources": ("假设与来源", "Assumptions and sources"),
    "sources.heading": ("假设与来源", "Assumptions and sources"),
    "sources.note": (
        "模型中的每个数值及其区间和来源；没有文献依据的数值标为“假设”，并写明理由（来源原文为英文）。"
        "同样的内容见参数表 docs/parameters.md（run.py register 生成）。",
        "Every number the model rests on, with its range and source; a number without a citation "
        "is marked an assumption, with its reasoning. The same rows are the parameter register, "
        "docs/parameters.md (run.py register).",
    ),
    "sources.search": ("搜索", "Search"),
    "sources.filter": (
        "输入关键词筛选所有表格，如：假设、担保、entry",
        "Type to filter every table, e.g. assumption, guarantee",
    ),
    "sources.count": (
        "共 {n} 项，其中 {assumed} 项为假设",
        "{n} rows, {assumed} of them assumptions",
    ),
    "sources.shares": (
        "各情景增量中依赖假设的占比",
        "Share of each scenario's gain resting on assumptions",
    ),
    "sources.calibration": (
        "校准：后验对2021年前各项指标的拟合",
        "Calibration: the posterior against the pre-2021 moments",
    ),
    "sources.rates": ("基础参数", "Base rates"),
    "sources.levers": ("政策工具的效果、采用率与成本", "Lever effects, take-up and costs"),
    "sources.col.parameter": ("参数", "Parameter"),
    "sources.col.value": ("数值", "Value"),
    "sources.col.range": ("区间", "Range"),
    "sources.col.unit": ("单位", "Unit"),
    "sources.col.basis": ("依据", "Basis"),
    "sources.col.source": ("来源（原文）", "Source"),
    "sources.col.lever": ("政策工具", "Lever"),
    "sources.col.what": ("作用于", "Acts on"),
    "sources.basis.cited": ("文献", "cited"),
    "sources.basis.derived": ("推算", "derived"),
    "sources.basis.assumption": ("假设", "assumption"),
    "sources.what.take_up": ("采用率", "Take-up"),
    "sources.what.cost": ("财政成本", "Fiscal cost"),
    # the units of the register (model/world/data/base_rates.csv), as it writes them
    "sources.unit.yuan": ("元", "yuan"),
    "sources.unit.share of registrations": ("占新登记数的比例", "share of registrations"),
    "sources.unit.per month": ("每月", "per month"),
    "sources.unit.yuan a year": ("元/年", "yuan a year"),
    "sources.unit.log yuan": ("元（取对数）", "log yuan"),
    "sources.unit.persons": ("人", "persons"),
    "sources.unit.share of entities": ("占市场主体的比例", "share of entities"),
    "sources.unit.multiplier on hazard_curves.csv individual": (
        "个体工商户基准退出风险曲线的倍数",
        "multiplier on hazard_curves.csv individual",
    ),
    "sources.unit.log revenue per year": ("年营业收入（取对数）", "log revenue per year"),
    "sources.unit.entities": ("户", "entities"),
    "sources.unit.registrations per year / end-2020 stock": (
        "年新登记数/2020年底存量",
        "registrations per year / end-2020 stock",
    ),
    "sources.unit.growth of registrations per year (2021 on)": (
        "新登记数年增长率（2021年起）",
        "growth of registrations per year (2021 on)",
    ),
    "sources.unit.growth of registrations per year (before 2021)": (
        "新登记数年增长率（2021年前）",
        "growth of registrations per year (before 2021)",
    ),
    "sources.unit.multiplier on hazard_curves.csv enterprise age 0": (
        "企业基准退出风险曲线的倍数（成立当年）",
        "multiplier on hazard_curves.csv enterprise age 0",
    ),
    "sources.unit.multiplier on hazard_curves.csv enterprise ages 1-2": (
        "企业基准退出风险曲线的倍数（第2–3年）",
        "multiplier on hazard_curves.csv enterprise ages 1-2",
    ),
    "sources.unit.multiplier on hazard_curves.csv enterprise ages 3+": (
        "企业基准退出风险曲线的倍数（第4年起）",
        "multiplier on hazard_curves.csv enterprise ages 3+",
    ),
    "sources.unit.multiplier vs other enterprises": (
        "相对其他企业的倍数",
        "multiplier vs other enterprises",
    ),
    "sources.unit.share of entities that open": ("占开业主体的比例", "share of entities that open"),
    "sources.unit.months dormant": ("未开业月数", "months dormant"),
    "sources.unit.share of operating individual businesses per year": (
        "每年占实际经营个体工商户的比例",
        "share of operating individual businesses per year",
    ),
    "sources.unit.share of failed founders": ("占退出创业者的比例", "share of failed founders"),
    "sources.unit.months (mean)": ("月（均值）", "months (mean)"),
    "sources.unit.log revenue per year (between firms)": (
        "年营业收入（取对数，企业间）",
        "log revenue per year (between firms)",
    ),
    "sources.unit.persons at the median new revenue": (
        "新设主体营业收入中位数对应的人数",
        "persons at the median new revenue",
    ),
    "sources.unit.log persons / log revenue": (
        "人数对数/营业收入对数（弹性）",
        "log persons / log revenue",
    ),
    "sources.unit.CES exponent rho": ("CES函数指数ρ", "CES exponent rho"),
    "sources.unit.share of an entrant's persons": (
        "占新进入者从业人数的比例",
        "share of an entrant's persons",
    ),
    "sources.unit.agents": ("个（模拟主体）", "agents"),
    "sources.unit.log revenue": ("营业收入（取对数）", "log revenue"),
    "sources.unit.persons per 1 M yuan revenue": (
        "每100万元营业收入的人数",
        "persons per 1 M yuan revenue",
    ),
    "sources.unit.share of nominal effects delivered": (
        "名义效果的落实比例",
        "share of nominal effects delivered",
    ),
    "sources.unit.factor on every lever effect's departure from no effect": (
        "各项政策效果偏离“无效果”部分的系数",
        "factor on every lever effect's departure from no effect",
    ),
    "sources.hook.entry": ("新登记率（倍数）", "Registration rate (multiplier)"),
    "sources.hook.opening_speed": (
        "登记后开业速度（倍数）",
        "Opening after registration (multiplier)",
    ),
    "sources.hook.failure_hazard": ("停业风险（倍数）", "Hazard of stopping (multiplier)"),
    "sources.hook.dormant_exit": (
        "未经营主体注销（倍数）",
        "Deregistration of dormant entities (multiplier)",
    ),
    "sources.hook.conversion": ("个转企（倍数）", "Individual to enterprise (multiplier)"),
    "sources.hook.growth": ("营业收入年增长（加百分点）", "Annual revenue growth (added)"),
    "sources.hook.upgrade": ("小升规（倍数）", "Small to above-scale (multiplier)"),
    "sources.hook.induced_quality": (
        "政策引致新设主体的早期退出（倍数）",
        "Early exits of induced entrants (multiplier)",
    ),
    "sources.hook.reentry": (
        "退出创业者再创业（倍数）",
        "Failed founders starting again (multiplier)",
    ),
    "sources.hook.shell_registrations": (
        "考核压力下的空壳登记（缺口占比）",
        "Shell registrations under the campaign (share of the gap)",
    ),
    "sources.hook.shell_cleanup": ("空壳清理（倍数）", "Clean-up of shells (multiplier)"),
    "sources.hook.chain_referrals": (
        "链主引荐配套企业（每年户数）",
        "Suppliers referred per chain leader a year",
    ),
    "sources.hook.fidelity": ("政策落实程度（比例）", "Delivery of every lever (share)"),
    "sources.hook.take_up": ("政策采用率（倍数）", "Take-up of every lever (multiplier)"),
    "sources.parameter.start_share_individual": (
        "2020年底个体工商户占比",
        "Individual businesses' share of the end-2020 stock",
    ),
    "sources.parameter.start_share_cooperative": (
        "2020年底农民专业合作社占比",
        "Cooperatives' share of the end-2020 stock",
    ),
    "sources.parameter.entry_share_individual": (
        "新登记中个体工商户占比",
        "Individual businesses' share of registrations",
    ),
    "sources.parameter.entry_share_enterprise": (
        "新登记中企业占比",
        "Enterprises' share of registrations",
    ),
    "sources.parameter.entry_share_cooperative": (
        "新登记中合作社占比",
        "Cooperatives' share of registrations",
    ),
    "sources.parameter.failure_scale_cooperative": (
        "合作社退出率系数",
        "Cooperative failure scale",
    ),
    "sources.parameter.failure_multiplier_micro": (
        "微型企业退出率倍数",
        "Failure multiplier of micro firms",
    ),
    "sources.parameter.revocation_after_months": (
        "吊销前未经营的月数",
        "Months dormant before revocation",
    ),
    "sources.parameter.conversion_per_year": (
        "个转企年转化率",
        "Individual-to-enterprise conversions per year",
    ),
    "sources.parameter.reentry_share": (
        "退出创业者再创业的比例",
        "Share of failed founders who start again",
    ),
    "sources.parameter.reentry_delay_months": (
        "再创业的间隔（月）",
        "Months before a failed founder starts again",
    ),
    "sources.parameter.revenue_median_individual_yuan": (
        "个体工商户营业收入中位数",
        "Median revenue of individual businesses",
    ),
    "sources.parameter.revenue_median_new_enterprise_yuan": (
        "新设企业营业收入中位数",
        "Median revenue of new enterprises",
    ),
    "sources.parameter.revenue_median_stock_enterprise_yuan": (
        "存量企业营业收入中位数",
        "Median revenue of incumbent enterprises",
    ),
    "sources.parameter.revenue_sigma_new_enterprise": (
        "新设企业营业收入离散度",
        "Revenue spread of new enterprises",
    ),
    "sources.parameter.revenue_sigma_stock_enterprise": (
        "存量企业营业收入离散度",
        "Revenue spread of incumbent enterprises",
    ),
    "sources.parameter.revenue_sigma_individual": (
        "个体工商户营业收入离散度",
        "Revenue spread of individual businesses",
    ),
    "sources.parameter.growth_mean_enterprise": (
        "企业营业收入平均年增长",
        "Mean revenue growth of enterprises",
    ),
    "sources.parameter.growth_sd_enterprise": (
        "企业营业收入增长的离散度",
        "Spread of enterprise revenue growth",
    ),
    "sources.parameter.employees_individual": (
        "每户个体工商户从业人数",
        "Persons per individual business",
    ),
    "sources.parameter.employees_new_enterprise": (
        "新设企业从业人数",
        "Persons per new enterprise",
    ),
    "sources.parameter.employees_cooperative": ("每个合作社从业人数", "Persons per cooperative"),
    "sources.parameter.employment_revenue_elasticity": (
        "从业人数对营业收入的弹性",
        "Elasticity of persons to revenue",
    ),
    "sources.parameter.labour_ceiling_persons": ("非农劳动力上限", "Labour ceiling"),
    "sources.parameter.labour_ceiling_sharpness": (
        "劳动力上限的约束强度",
        "Sharpness of the labour ceiling",
    ),
    "sources.parameter.entrant_displacement_share": (
        "新进入者挤占在位者就业的比例",
        "Share of an entrant's persons taken from incumbents",
    ),
    "sources.parameter.chain_leader_count": ("链主企业数量", "Chain leaders"),
    "sources.parameter.chain_leader_revenue_median_yuan": (
        "链主企业营业收入中位数",
        "Median revenue of chain leaders",
    ),
    "sources.parameter.chain_leader_revenue_sigma": (
        "链主企业营业收入离散度",
        "Revenue spread of chain leaders",
    ),
    "sources.parameter.chain_leader_growth_per_year": (
        "链主企业年增长",
        "Chain leader growth per year",
    ),
    "sources.parameter.chain_leader_growth_sd_per_month": (
        "链主企业月增长离散度",
        "Monthly growth spread of chain leaders",
    ),
    "sources.parameter.chain_leader_employees_per_million_yuan": (
        "链主企业每百万元营业收入从业人数",
        "Chain leader persons per 1 M yuan of revenue",
    ),
    "chart.xlsx": ("下载Excel", "Download Excel"),
    "chart.png": ("下载图片", "Download PNG"),
    "download.band.p05": ("5%分位", "5th percentile"),
    "download.band.p50": ("中位数", "median"),
    "download.band.p95": ("95%分位", "95th percentile"),
    "download.source": (
        "来源：晋发〔2021〕67号市场主体倍增政策模拟 · 版本 {version} · 代码 {commit} · 结果 {folder}",
        "Source: simulation of the market-entity doubling plan Jin Fa [2021] No. 67 · version "
        "{version} · code {commit} · results {folder}",
    ),
    "download.runs": (
        "模拟于 {created} · 每个情景 {runs} 次模拟 · 每行代表 {scale} 户 · 下载于 {today}",
        "Simulated {created} · {runs} runs per scenario · {scale} entities per row · downloaded "
        "{today}",
    ),
    "download.yes": ("是", "yes"),
    "download.no": ("否", "no"),
    "download.col.scenario": ("情景", "Scenario"),
    "download.col.runs": ("模拟次数", "Runs"),
    "download.col.end_month": ("截止月份", "End month"),
    "download.col.p_doubled": ("倍增概率", "P(doubled)"),
    "download.col.median_month": ("实现倍增的月份（中位数）", "Median month of doubling"),
    "download.col.end_registered": ("期末登记主体", "Registered at the end"),
    "download.col.end_operating": ("期末实际经营主体", "Operating at the end"),
    "download.col.ratio": ("相对2020年底的倍数", "Ratio to end-2020"),
    "download.col.start_registered": ("2020年底登记主体", "Registered at end-2020"),
    "download.col.fiscal_cost": ("财政成本", "Fiscal cost"),
    "download.col.additional_registered": (
        "比无新政策增加的登记主体",
        "Additional registered (vs no policy)",
    ),
    "download.col.additional_operating": (
        "比无新政策增加的实际经营主体",
        "Additional operating (vs no policy)",
    ),
    "download.col.cost_per_additional_registered": (
        "每增加一户登记主体的财政成本",
        "Fiscal cost per additional registered entity",
    ),
    "download.col.cost_per_additional_operating": (
        "每增加一户实际经营主体的财政成本",
        "Fiscal cost per additional operating entity",
    ),
    "download.col.assumption_share_registered": (
        "依赖假设的增量占比（登记）",
        "Share of the gain resting on assumptions (registered)",
    ),
    "download.col.assumption_share_operating": (
        "依赖假设的增量占比（实际经营）",
        "Share of the gain resting on assumptions (operating)",
    ),
    "download.col.target": ("倍增目标", "Doubling target"),
    "download.col.date": ("月份", "Month"),
    "download.col.value": ("数值", "Value"),
    "download.col.series": ("指标", "Measure"),
    "download.col.year": ("年份", "Year"),
    "download.col.city": ("城市", "City"),
    "download.col.lever": ("政策工具", "Lever"),
    "download.col.department": ("牵头单位", "Lead department"),
    "download.col.family": ("政策类别", "Family"),
    "download.col.quantity": ("指标", "Measure"),
    "download.col.bound": ("公布值类型（=、≥、≤）", "Published as (=, ≥, ≤)"),
    "download.col.low": ("下限", "Low"),
    "download.col.high": ("上限", "High"),
    "download.col.source": ("来源", "Source"),
    "download.col.file": ("文件", "File"),
    "download.col.used": ("用于拟合", "Used in the fit"),
    "download.col.parameter": ("参数", "Parameter"),
    "download.col.x": ("参数值", "Parameter value"),
    "download.col.prior": ("先验密度", "Prior density"),
    "download.col.posterior": ("后验密度", "Posterior density"),
    "download.col.player": ("政策类别或工具", "Family or lever"),
    "download.col.mean": ("均值", "Mean"),
    "download.col.distinct": ("区间不含0", "Interval excludes 0"),
    "download.col.cumulative": ("累计", "Cumulative"),
    "download.col.rank": ("排名", "Rank"),
    "download.col.output": ("输出", "Output"),
    "download.col.input": ("输入", "Input"),
    "download.col.group": ("输入类型", "Kind of input"),
    "download.col.distribution": ("分布", "Distribution"),
    "download.col.central": ("中心值", "Central value"),
    "download.col.mu": ("Morris均值μ", "Morris mu"),
    "download.col.mu_star": ("Morris绝对均值μ*", "Morris mu*"),
    "download.col.mu_star_conf": (
        "Morris μ*的95%置信半宽",
        "Morris mu*, 95 % confidence half-width",
    ),
    "download.col.sigma": ("Morris标准差σ", "Morris sigma"),
    "download.col.chance_mu_star": ("随机波动水平的μ*", "mu* of chance alone"),
    "download.col.above_chance": ("高于随机波动", "Above chance"),
    "download.col.S1": ("一阶指数 S1", "First-order S1"),
    "download.col.S1_conf": ("S1的95%置信半宽", "S1 95 % confidence half-width"),
    "download.col.ST": ("总效应指数 ST", "Total ST"),
    "download.col.ST_conf": ("ST的95%置信半宽", "ST 95 % confidence half-width"),
    "download.col.variance": ("输出方差", "Variance of the output"),
    "download.col.chance_share": ("随机波动所占方差比重", "Share of the variance from chance"),
    "download.col.operating_share": ("实际经营占比", "Operating share"),
    "download.col.yuan_per_additional_operating": (
        "每增加一户实际经营主体的财政成本",
        "Fiscal cost per additional operating entity",
    ),
    "download.col.meets_target": ("是否达标", "Meets the target"),
    "download.col.articles": ("条款", "Articles"),
    "download.col.trial": ("试验编号", "Trial"),
    "download.col.search_cost": ("搜索估计的财政成本", "Fiscal cost (search estimate)"),
    "download.col.search_p_doubled": ("搜索估计的倍增概率", "P(doubled) (search estimate)"),
    "download.col.search_operating_share": (
        "搜索估计的实际经营占比",
        "Operating share (search estimate)",
    ),
}


def t(key: str, lang: str, **values: object) -> str:
    """The label `key` in `lang` ('zh' or 'en'), with `{name}` fields filled from `values`."""
    zh, en = TEXT[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def label(name: str, lang: str, *prefixes: str) -> str:
    """The label `prefix.name` of the first of `prefixes` that has one, else `name` itself (an id
    new to the dashboard, such as a moment added to the calibration, still shows)."""
    key = next((f"{prefix}.{name}" for prefix in prefixes if f"{prefix}.{name}" in TEXT), None)
    return name if key is None else t(key, lang)


def labels_of(prefix: str, lang: str) -> dict[str, str]:
    """Every label `prefix.name` as name → label in the language."""
    start = prefix + "."
    return {key.removeprefix(start): t(key, lang) for key in TEXT if key.startswith(start)}


def join(items: Iterable[str], lang: str) -> str:
    """Names as a list in the language: '财政厅、商务厅' (zh), 'Finance, Commerce' (en)."""
    return (", " if lang == "en" else "、").join(items)


def pick(zh: str, en: str, lang: str) -> str:
    """Choose between a pair of titles from data (scenario, lever, city) by language."""
    return en if lang == "en" and en else zh
