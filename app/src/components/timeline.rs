//! The timeline drawn: an SVG of swimlanes along a time axis that zooms and pans
//! (wheel, trackpad, drag, keys), with marks to hover and select and the path from
//! a selected event back to its human intent highlighted.
//!
//! At most [`MAX_MARKS`] marks are drawn one by one; with more in view, each lane's
//! marks are counted into columns a few pixels wide, so 100,000 events draw as
//! fast as 1,000.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use leptos::prelude::*;

use evidence::event::Provenance;
use model::timeline::scale::{clock, tick_label, tick_step, Viewport};
use model::timeline::{LaneKind, Link, Mark, Standing, Timeline};

/// Width of the lane labels.
const LABEL_W: f64 = 210.0;
/// Height of a lane.
const LANE_H: f64 = 30.0;
/// Height of the time axis.
const AXIS_H: f64 = 26.0;
/// Space right of the last mark.
const RIGHT_PAD: f64 = 18.0;
/// Most marks drawn one by one; beyond, marks are counted into columns.
pub const MAX_MARKS: usize = 1000;
/// Least distance between two marks drawn in one lane, in pixels.
const MIN_GAP: f64 = 13.0;
/// Width of a column of counted marks, in pixels.
const COLUMN_W: f64 = 4.0;

/// The colour classes of a lane kind: fill for marks, text for labels, and outline
/// for a hollow mark (each written out, so that the stylesheet has it).
fn kind_colour(kind: LaneKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        LaneKind::Human => (
            "fill-violet-600",
            "text-violet-700 dark:text-violet-300",
            "stroke-violet-600",
        ),
        LaneKind::Agent => (
            "fill-sky-600",
            "text-sky-700 dark:text-sky-300",
            "stroke-sky-600",
        ),
        LaneKind::SubAgent => (
            "fill-cyan-600",
            "text-cyan-700 dark:text-cyan-300",
            "stroke-cyan-600",
        ),
        LaneKind::Service => (
            "fill-teal-600",
            "text-teal-700 dark:text-teal-300",
            "stroke-teal-600",
        ),
        LaneKind::Tool => (
            "fill-slate-500",
            "text-slate-600 dark:text-slate-300",
            "stroke-slate-500",
        ),
        LaneKind::System => (
            "fill-stone-500",
            "text-stone-600 dark:text-stone-300",
            "stroke-stone-500",
        ),
        LaneKind::Credential => (
            "fill-amber-600",
            "text-amber-700 dark:text-amber-300",
            "stroke-amber-600",
        ),
        LaneKind::Unreadable => (
            "fill-red-600",
            "text-red-700 dark:text-red-300",
            "stroke-red-600",
        ),
    }
}

fn lane_y(lane: u32) -> f64 {
    AXIS_H + f64::from(lane) * LANE_H + LANE_H / 2.0
}

/// What the timeline draws for a viewport.
struct Scene {
    ticks: Vec<(f64, String)>,
    /// (x, y, mark position)
    marks: Vec<(f64, f64, u32)>,
    /// (x, y, width, count, worst standing, first mark time, last mark time)
    columns: Vec<(f64, f64, f64, usize, Standing, f64, f64)>,
    /// (x1, y1, x2, y2, relation, on the highlighted path)
    edges: Vec<(f64, f64, f64, f64, &'static str, bool)>,
    /// Credential bars: (lane, x from, x to, x revoked)
    credentials: Vec<(u32, f64, f64, Option<f64>)>,
}

fn scene(
    t: &Timeline,
    by_lane: &[Vec<u32>],
    v: Viewport,
    width: f64,
    path: &BTreeSet<u32>,
) -> Scene {
    let plot = (width - LABEL_W - RIGHT_PAD).max(50.0);
    let x = |ms: f64| LABEL_W + (ms - v.from) / v.span() * plot;
    let step = tick_step(v.span(), plot);
    let mut ticks = Vec::new();
    let mut at = (v.from / step).ceil() * step;
    while at <= v.to {
        ticks.push((x(at), tick_label(at, step, v)));
        at += step;
    }
    let visible = |lane: &Vec<u32>| {
        let lo = lane.partition_point(|&m| (t.marks[m as usize].at as f64) < v.from);
        let hi = lane.partition_point(|&m| (t.marks[m as usize].at as f64) <= v.to);
        lo..hi
    };
    let in_view: usize = by_lane.iter().map(|l| visible(l).len()).sum();
    let mut marks = Vec::new();
    let mut columns = Vec::new();
    let mut edges = Vec::new();
    if in_view <= MAX_MARKS {
        // Marks closer than MIN_GAP in a lane (events in the same second) are set
        // side by side, in time order, so each can be seen and clicked.
        let mut placed = std::collections::HashMap::new();
        // Set apart to the right, then pulled back left where that pushed marks past
        // the plot's right edge, so that every mark in view can be seen and clicked.
        let right = LABEL_W + plot + RIGHT_PAD / 2.0;
        for lane in by_lane {
            let mut last = f64::NEG_INFINITY;
            let mut row: Vec<(f64, u32)> = Vec::new();
            for &m in &lane[visible(lane)] {
                let mark = &t.marks[m as usize];
                let at = x(mark.at as f64).max(last + MIN_GAP);
                last = at;
                row.push((at, m));
            }
            let mut limit = right;
            for (at, _) in row.iter_mut().rev() {
                if *at <= limit {
                    break;
                }
                *at = limit;
                limit -= MIN_GAP;
            }
            for (at, m) in row {
                let y = lane_y(t.marks[m as usize].lane);
                placed.insert(m, (at, y));
                marks.push((at, y, m));
            }
        }
        let point = |m: u32| {
            placed.get(&m).copied().unwrap_or_else(|| {
                let mark = &t.marks[m as usize];
                (x(mark.at as f64), lane_y(mark.lane))
            })
        };
        for &(x2, y2, m) in &marks {
            let mark = &t.marks[m as usize];
            if let Some(p) = mark.parent {
                let (x1, y1) = point(p);
                edges.push((
                    x1,
                    y1,
                    x2,
                    y2,
                    "caused",
                    path.contains(&m) && path.contains(&p),
                ));
            }
            for link in &mark.links {
                match link {
                    Link::Delegated { lane, .. } => {
                        edges.push((x2, y2, x2, lane_y(*lane), "delegated", false));
                    }
                    Link::Approved { mark: d } | Link::Decided { mark: d } => {
                        let relation = match link {
                            Link::Approved { .. } => "approved",
                            _ => "decided",
                        };
                        let (x1, y1) = point(*d);
                        let on_path = path.contains(&m) && path.contains(d);
                        edges.push((x1, y1, x2, y2, relation, on_path));
                    }
                    Link::Credential { lane } => {
                        edges.push((x2, y2, x2, lane_y(*lane), "credential", false));
                    }
                }
            }
        }
    } else {
        for (n, lane) in by_lane.iter().enumerate() {
            let mut current: Option<(i64, usize, Standing, f64, f64)> = None;
            let y = lane_y(n as u32);
            let mut flush = |c: Option<(i64, usize, Standing, f64, f64)>| {
                if let Some((col, count, worst, first, last)) = c {
                    columns.push((
                        LABEL_W + col as f64 * COLUMN_W,
                        y,
                        COLUMN_W - 1.0,
                        count,
                        worst,
                        first,
                        last,
                    ));
                }
            };
            for &m in &lane[visible(lane)] {
                let mark = &t.marks[m as usize];
                let col = ((x(mark.at as f64) - LABEL_W) / COLUMN_W).floor() as i64;
                match current.as_mut() {
                    Some(c) if c.0 == col => {
                        c.1 += 1;
                        c.2 = c.2.min(mark.standing);
                        c.4 = mark.at as f64;
                    }
                    _ => {
                        flush(current.take());
                        current = Some((col, 1, mark.standing, mark.at as f64, mark.at as f64));
                    }
                }
            }
            flush(current);
        }
    }
    let end = x(v.to);
    let credentials = t
        .lanes
        .iter()
        .enumerate()
        .filter_map(|(n, lane)| {
            let span = lane.credential.as_ref()?;
            let from = span.issued.or(span.first_seen)? as f64;
            let to = span.expires.map_or(end, |e| x(e as f64));
            Some((
                n as u32,
                x(from).max(LABEL_W),
                to.min(end),
                span.revoked.map(|r| x(r as f64)),
            ))
        })
        .collect();
    Scene {
        ticks,
        marks,
        columns,
        edges,
        credentials,
    }
}

fn standing_class(standing: Standing) -> &'static str {
    match standing {
        Standing::Verified => "",
        Standing::Untrusted => "stroke-amber-500 [stroke-dasharray:2_2]",
        Standing::Failed | Standing::Unreadable => "stroke-red-600",
    }
}

/// One mark's shape: a diamond for a human decision, a square for a side effect,
/// a circle otherwise; red with a cross where a check failed, dashed amber where
/// untrusted; hollow (its lane's colour as the outline) where a collector attested
/// it, and dotted where it was imported from a file, since no party that acted
/// signed it.
fn mark_shape(mark: &Mark, x: f64, y: f64, kind: LaneKind) -> AnyView {
    let (fill, _, outline) = kind_colour(kind);
    let reported = mark.provenance.is_some_and(|p| !p.is_signed());
    let class = match mark.standing {
        Standing::Failed | Standing::Unreadable => {
            format!("fill-red-600 {} stroke-2", standing_class(mark.standing))
        }
        _ if reported => format!(
            "fill-white dark:fill-slate-950 {outline} stroke-2{}",
            if mark.provenance == Some(Provenance::Imported) {
                " [stroke-dasharray:1.5_1.5]"
            } else {
                ""
            }
        ),
        standing => format!("{fill} {} stroke-2", standing_class(standing)),
    };
    let shape = if mark.human {
        let d = format!(
            "M{x} {} L{} {y} L{x} {} L{} {y} Z",
            y - 8.0,
            x + 8.0,
            y + 8.0,
            x - 8.0
        );
        view! { <path d=d class=class/> }.into_any()
    } else if mark.kind == "side_effect" {
        view! { <rect x=x - 6.0 y=y - 6.0 width="12" height="12" class=class/> }.into_any()
    } else {
        view! { <circle cx=x cy=y r="5.5" class=class/> }.into_any()
    };
    let cross = matches!(mark.standing, Standing::Failed | Standing::Unreadable).then(|| {
        let d = format!(
            "M{} {} L{} {} M{} {} L{} {}",
            x - 3.5,
            y - 3.5,
            x + 3.5,
            y + 3.5,
            x - 3.5,
            y + 3.5,
            x + 3.5,
            y - 3.5
        );
        view! { <path d=d class="stroke-white" stroke-width="1.6"/> }
    });
    view! { {shape}{cross} }.into_any()
}

/// The timeline's state that outlives a redraw: the viewport, the selection and
/// the highlighted path.
#[derive(Clone, Copy)]
pub struct TimelineState {
    /// The window shown.
    pub viewport: RwSignal<Viewport>,
    /// The selected mark.
    pub selected: RwSignal<Option<u32>>,
    /// Whether the selected mark's chain to its intent is highlighted.
    pub tracing: RwSignal<bool>,
    /// Events (by bundle position) that attribution-gap findings name, with the
    /// findings' titles: each gets a flag.
    pub flagged: RwSignal<BTreeMap<u32, Vec<String>>>,
    /// Calls (by bundle position) the other side of the incident records too, or
    /// lacks: each gets a mark of its reconciliation (the console only).
    pub counterparts: RwSignal<BTreeMap<u32, model::Counterpart>>,
}

impl TimelineState {
    /// Selects mark `m` of `timeline`, moving the window to it when it is out of view.
    pub fn select(&self, timeline: &Timeline, m: u32) {
        let Some(mark) = timeline.marks.get(m as usize) else {
            return;
        };
        self.selected.set(Some(m));
        let at = mark.at as f64;
        let v = self.viewport.get_untracked();
        if at < v.from || at > v.to {
            self.viewport.set(Viewport {
                from: at - v.span() / 2.0,
                to: at + v.span() / 2.0,
            });
        }
    }
}

/// The drawn timeline of `timeline`.
#[component]
pub fn TimelineChart(timeline: Arc<Timeline>, state: TimelineState) -> impl IntoView {
    let by_lane = Arc::new(timeline.marks_by_lane());
    let width = RwSignal::new(1100.0_f64);
    let hovered = RwSignal::new(None::<u32>);
    let container = NodeRef::<leptos::html::Div>::new();
    let TimelineState {
        viewport,
        selected,
        tracing,
        flagged,
        counterparts,
    } = state;
    #[cfg(feature = "hydrate")]
    {
        let measure = move || {
            if let Some(el) = container.get_untracked() {
                let w = f64::from(el.client_width());
                if w > 100.0 {
                    width.set(w);
                }
            }
        };
        Effect::new(move |_| {
            container.track();
            measure();
        });
        let handle = window_event_listener(leptos::ev::resize, move |_| measure());
        on_cleanup(move || handle.remove());
    }
    let path = {
        let timeline = timeline.clone();
        Memo::new(move |_| match (selected.get(), tracing.get()) {
            (Some(m), true) => timeline
                .chain_to_intent(m)
                .into_iter()
                .collect::<BTreeSet<u32>>(),
            _ => BTreeSet::new(),
        })
    };
    let height = AXIS_H + timeline.lanes.len() as f64 * LANE_H + 6.0;
    let plot_x = move |client_x: f64| -> Option<f64> {
        let el = container.get_untracked()?;
        let left = el.get_bounding_client_rect().left();
        let v = viewport.get_untracked();
        let plot = (width.get_untracked() - LABEL_W - RIGHT_PAD).max(50.0);
        Some(v.from + (client_x - left - LABEL_W) / plot * v.span())
    };
    // Drag to pan: where the pointer went down, and the viewport then; and whether
    // the pointer moved since it went down (then the click that ends it selects
    // nothing).
    let drag = StoredValue::new(None::<(f64, Viewport)>);
    let dragged = StoredValue::new(false);
    // Where the marks of the current drawing stand, for hit-testing a click.
    let placed = StoredValue::new(Vec::<(f64, f64, u32)>::new());
    let on_wheel = move |e: leptos::ev::WheelEvent| {
        e.prevent_default();
        let (dx, dy) = (e.delta_x(), e.delta_y());
        if e.ctrl_key() || dy.abs() > dx.abs() {
            let at = plot_x(f64::from(e.client_x())).unwrap_or_else(|| {
                let v = viewport.get_untracked();
                (v.from + v.to) / 2.0
            });
            viewport.update(|v| *v = v.zoom((dy * 0.0025).exp(), at));
        } else {
            let plot = (width.get_untracked() - LABEL_W - RIGHT_PAD).max(50.0);
            viewport.update(|v| *v = v.pan(dx / plot));
        }
    };
    let on_down = move |e: leptos::ev::PointerEvent| {
        if e.button() == 0 {
            drag.set_value(Some((f64::from(e.client_x()), viewport.get_untracked())));
            dragged.set_value(false);
        }
    };
    let on_move = move |e: leptos::ev::PointerEvent| {
        if let Some((x0, v0)) = drag.get_value() {
            let dx = f64::from(e.client_x()) - x0;
            if dx.abs() >= 3.0 {
                dragged.set_value(true);
                let plot = (width.get_untracked() - LABEL_W - RIGHT_PAD).max(50.0);
                viewport.set(v0.pan(-dx / plot));
            }
        }
    };
    // A click selects the mark whose centre is nearest the pointer, within
    // HIT_RADIUS: the same answer at every zoom level, whatever shapes overlap.
    let on_click = move |e: leptos::ev::MouseEvent| {
        if dragged.get_value() {
            dragged.set_value(false);
            return;
        }
        let Some(el) = container.get_untracked() else {
            return;
        };
        let rect = el.get_bounding_client_rect();
        let px = f64::from(e.client_x()) - rect.left();
        let py = f64::from(e.client_y()) - rect.top();
        let hit = placed.with_value(|marks| nearest(marks, px, py));
        if let Some(m) = hit {
            selected.set(Some(m));
        }
    };
    let on_up = move |_: leptos::ev::PointerEvent| drag.set_value(None);
    let keys = {
        let timeline = timeline.clone();
        move |e: leptos::ev::KeyboardEvent| {
            let v = viewport.get_untracked();
            let mid = (v.from + v.to) / 2.0;
            let last = timeline.marks.len().saturating_sub(1) as u32;
            let step_to = |m: u32| state.select(&timeline, m);
            match e.key().as_str() {
                "ArrowLeft" => viewport.set(v.pan(-0.1)),
                "ArrowRight" => viewport.set(v.pan(0.1)),
                "+" | "=" => viewport.set(v.zoom(0.7, mid)),
                "-" | "_" => viewport.set(v.zoom(1.0 / 0.7, mid)),
                "0" => viewport.set(Viewport::fit(&timeline)),
                "j" | "ArrowDown" if !timeline.marks.is_empty() => {
                    step_to(selected.get_untracked().map_or(0, |m| (m + 1).min(last)));
                }
                "k" | "ArrowUp" if !timeline.marks.is_empty() => {
                    step_to(selected.get_untracked().map_or(0, |m| m.saturating_sub(1)));
                }
                "t" | "Enter" => tracing.update(|t| *t = !*t),
                "Escape" => {
                    selected.set(None);
                    tracing.set(false);
                }
                _ => return,
            }
            e.prevent_default();
        }
    };
    let lanes_view = {
        let timeline = timeline.clone();
        move || {
            timeline
                .lanes
                .iter()
                .enumerate()
                .map(|(n, lane)| {
                    let y = AXIS_H + n as f64 * LANE_H;
                    let (_, text, _) = kind_colour(lane.kind);
                    let band = if n % 2 == 0 { "fill-slate-50 dark:fill-slate-900" } else { "fill-white dark:fill-slate-950" };
                    let label: String = lane.label.chars().take(26).collect();
                    view! {
                        <g data-lane=lane.id.clone() data-lane-kind=format!("{:?}", lane.kind).to_lowercase()>
                            <rect x="0" y=y width="100%" height=LANE_H class=band/>
                            <text x="8" y=y + LANE_H / 2.0 + 4.0 class=format!("fill-current text-xs {text}")>
                                <tspan class="font-semibold">{lane.kind.label()}</tspan>
                                " "
                                {label}
                                <title>{lane.label.clone()}</title>
                            </text>
                        </g>
                    }
                })
                .collect_view()
        }
    };
    let drawing = {
        let timeline = timeline.clone();
        move || {
            let t = &*timeline;
            let v = viewport.get();
            let path = path.get();
            let s = scene(t, &by_lane, v, width.get(), &path);
            placed.set_value(s.marks.clone());
            let selected_now = selected.get();
            let flags = flagged.get();
            let matched = counterparts.get();
            let ticks = s
                .ticks
                .into_iter()
                .map(|(x, label)| view! {
                    <g>
                        <line x1=x x2=x y1=AXIS_H - 4.0 y2=height class="stroke-slate-200 dark:stroke-slate-800"/>
                        <text x=x + 3.0 y="14" class="fill-slate-500 text-[10px]" data-tick="">{label}</text>
                    </g>
                })
                .collect_view();
            let creds = s
                .credentials
                .into_iter()
                .map(|(lane, x1, x2, revoked)| {
                    let y = lane_y(lane);
                    let rev = revoked.map(|r| view! {
                        <g data-testid="revoked">
                            <rect x=r y=y - 4.0 width=(x2 - r).max(0.0) height="8" class="fill-red-500/40"/>
                            <line x1=r x2=r y1=y - 10.0 y2=y + 10.0 class="stroke-red-600" stroke-width="2.5"/>
                        </g>
                    });
                    view! {
                        <g>
                            <rect x=x1 y=y - 4.0 width=(x2 - x1).max(0.0) height="8" rx="4" class="fill-amber-300/60 dark:fill-amber-700/60"/>
                            {rev}
                        </g>
                    }
                })
                .collect_view();
            let edges = s
                .edges
                .into_iter()
                .map(|(x1, y1, x2, y2, relation, on_path)| {
                    let class = match (relation, on_path) {
                        (_, true) => "stroke-yellow-500",
                        ("caused", _) => "stroke-slate-400/70",
                        ("delegated", _) => "stroke-violet-500 [stroke-dasharray:4_3]",
                        ("approved", _) => "stroke-emerald-600 [stroke-dasharray:5_3]",
                        ("decided", _) => "stroke-stone-500/70 [stroke-dasharray:2_3]",
                        _ => "stroke-amber-500/60 [stroke-dasharray:1_3]",
                    };
                    let mid = (x1 + x2) / 2.0;
                    let d = format!("M{x1} {y1} C{mid} {y1} {mid} {y2} {x2} {y2}");
                    view! { <path d=d fill="none" class=class stroke-width=if on_path { "3.5" } else { "1.3" } data-relation=relation data-on-path=on_path.to_string()/> }
                })
                .collect_view();
            let columns = s
                .columns
                .into_iter()
                .map(|(x, y, w, count, worst, first, last)| {
                    let h = (4.0 + (count as f64).log2() * 3.0).min(LANE_H - 4.0);
                    let class = match worst {
                        Standing::Verified => "fill-sky-600/70",
                        Standing::Untrusted => "fill-amber-500",
                        _ => "fill-red-600",
                    };
                    let zoom_in = move |_| viewport.set(Viewport { from: first - 500.0, to: last + 500.0 });
                    view! {
                        <rect x=x y=y - h / 2.0 width=w height=h class=class on:click=zoom_in data-column=count>
                            <title>{format!("{count} events, {} to {} (click to zoom in)", clock(first, false), clock(last, false))}</title>
                        </rect>
                    }
                })
                .collect_view();
            // Drawn apart from the marks, and not clickable, so that a mark's shape
            // alone is what a click or a hover finds.
            let mut flagged_at = Vec::new();
            let marks = s
                .marks
                .into_iter()
                .map(|(x, y, m)| {
                    let mark = &t.marks[m as usize];
                    let kind = t.lanes[mark.lane as usize].kind;
                    let is_selected = selected_now == Some(m);
                    let on_path = path.contains(&m);
                    let ring = (is_selected || on_path).then(|| view! {
                        <circle cx=x cy=y r=if is_selected { "11" } else { "9" } fill="none" class=if is_selected { "stroke-slate-900 dark:stroke-white" } else { "stroke-yellow-500" } stroke-width="2.5"/>
                    });
                    let found = flags.get(&mark.index);
                    let counterpart = matched.get(&mark.index);
                    let title = format!(
                        "#{} {} — {} · {}{}{}{}{}",
                        mark.index,
                        if mark.time.is_empty() { "(time unknown)".to_owned() } else { evidence::time::readable(&mark.time) },
                        mark.summary,
                        mark.standing.label(),
                        if mark.codes.is_empty() { String::new() } else { format!(" ({})", mark.codes.join(", ")) },
                        mark.provenance.map(|p| format!(" · {}", p.label())).unwrap_or_default(),
                        counterpart.map(|c| format!(" · {}", c.describe())).unwrap_or_default(),
                        found.map(|f| format!(" · finding: {}", f.join("; "))).unwrap_or_default()
                    );
                    let reconciled = counterpart.map(|c| {
                        let (text, class, state) = match c {
                            model::Counterpart::Matched { .. } => ("⇄", "fill-emerald-700 dark:fill-emerald-400", "matched"),
                            model::Counterpart::Unreconciled { .. } => ("≠", "fill-red-700 dark:fill-red-400", "unreconciled"),
                        };
                        view! { <text x=x + 8.0 y=y + 12.0 class=format!("pointer-events-none text-[11px] font-bold {class}") data-reconciled=state>{text}</text> }
                    });
                    if found.is_some() {
                        flagged_at.push((x, y, mark.index));
                    }
                    view! {
                        <g
                            class="cursor-pointer"
                            data-mark=mark.index
                            data-kind=mark.kind.clone()
                            data-standing=format!("{:?}", mark.standing).to_lowercase()
                            data-selected=is_selected.to_string()
                            data-on-path=on_path.to_string()
                            data-finding=found.is_some().to_string()
                            data-provenance=mark.provenance.map(|p| p.as_str()).unwrap_or("not_recorded")
                            on:mouseenter=move |_| hovered.set(Some(m))
                            on:mouseleave=move |_| hovered.set(None)
                        >
                            {ring}
                            {mark_shape(mark, x, y, kind)}
                            {reconciled}
                            <title>{title}</title>
                        </g>
                    }
                })
                .collect_view();
            let flags = flagged_at
                .into_iter()
                .map(|(x, y, index)| {
                    let d = format!("M{} {} L{} {} L{} {} Z", x, y - 10.0, x - 5.0, y - 18.0, x + 5.0, y - 18.0);
                    view! { <path d=d class="fill-orange-500 stroke-orange-700" data-testid="finding-flag" data-flag=index/> }
                })
                .collect_view();
            view! {
                <g>{ticks}</g>
                <g>{creds}</g>
                <g>{edges}</g>
                <g>{columns}</g>
                <g>{marks}</g>
                <g class="pointer-events-none">{flags}</g>
            }
        }
    };
    let hover_line = {
        let timeline = timeline.clone();
        move || {
            hovered
                .get()
                .and_then(|m| timeline.marks.get(m as usize))
                .map(|mark| {
                    format!(
                        "#{} {} {}",
                        mark.index,
                        if mark.time.is_empty() {
                            "(time unknown)".to_owned()
                        } else {
                            evidence::time::readable(&mark.time)
                        },
                        mark.summary
                    )
                })
        }
    };
    view! {
        <div class="rounded-lg border border-slate-200 dark:border-slate-800">
            <div class="flex flex-wrap items-center gap-2 border-b border-slate-200 px-3 py-2 text-sm dark:border-slate-800">
                <button type="button" class="rounded border border-slate-300 px-2 py-0.5 dark:border-slate-700" aria-label="Zoom in" on:click=move |_| viewport.update(|v| { let mid = (v.from + v.to) / 2.0; *v = v.zoom(0.6, mid) })>"+"</button>
                <button type="button" class="rounded border border-slate-300 px-2 py-0.5 dark:border-slate-700" aria-label="Zoom out" on:click=move |_| viewport.update(|v| { let mid = (v.from + v.to) / 2.0; *v = v.zoom(1.0 / 0.6, mid) })>"−"</button>
                <button type="button" class="rounded border border-slate-300 px-2 py-0.5 dark:border-slate-700" on:click={
                    let timeline = timeline.clone();
                    move |_| viewport.set(Viewport::fit(&timeline))
                }>"Fit"</button>
                <button
                    type="button"
                    data-testid="trace"
                    class="rounded border border-yellow-500 px-2 py-0.5 disabled:opacity-50"
                    aria-pressed=move || tracing.get().to_string()
                    disabled=move || selected.get().is_none()
                    on:click=move |_| tracing.update(|t| *t = !*t)
                >
                    {move || if tracing.get() { "Hide the chain to intent" } else { "Trace to intent" }}
                </button>
                <span class="text-xs text-slate-500" data-testid="timeline-dates">{dates_of(&timeline)}</span>
                // A line of its own, always there: what the pointer is over never moves the chart.
                <span class="block h-4 w-full truncate text-xs text-slate-500" data-testid="hover-summary">{hover_line}</span>
            </div>
            <div
                node_ref=container
                tabindex="0"
                role="application"
                aria-label="Delegation timeline: arrows pan, + and - zoom, 0 fits, j and k step through events, t traces the selected event to its intent"
                data-testid="timeline"
                class="relative overflow-hidden focus:outline-none focus:ring-2 focus:ring-sky-500/50 select-none touch-none"
                on:wheel=on_wheel
                on:pointerdown=on_down
                on:pointermove=on_move
                on:pointerup=on_up
                on:pointerleave=on_up
                on:click=on_click
                on:keydown=keys
            >
                <svg width="100%" height=height class="block">
                    {lanes_view}
                    {drawing}
                </svg>
            </div>
            <Legend/>
        </div>
    }
    .into_any()
}

/// The days the timeline's events fall on: `2026-11-17 (times in UTC)`, or
/// `2026-11-17 to 2026-11-19 (times in UTC)`.
fn dates_of(timeline: &Timeline) -> Option<String> {
    let days: Vec<&str> = timeline
        .marks
        .iter()
        .filter_map(|m| m.time.get(..10))
        .collect();
    let first = days.iter().min()?;
    let last = days.iter().max()?;
    Some(if first == last {
        format!("{first} (times in UTC)")
    } else {
        format!("{first} to {last} (times in UTC)")
    })
}

/// How far from a mark's centre a click still selects it (px).
const HIT_RADIUS: f64 = 14.0;

/// The mark of `marks` (x, y, mark) whose centre is nearest (`px`, `py`), within
/// [`HIT_RADIUS`]; of marks equally near, the first drawn.
pub fn nearest(marks: &[(f64, f64, u32)], px: f64, py: f64) -> Option<u32> {
    marks
        .iter()
        .map(|&(x, y, m)| ((x - px).hypot(y - py), m))
        .filter(|(d, _)| *d <= HIT_RADIUS)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, m)| m)
}

#[component]
fn Legend() -> impl IntoView {
    view! {
        <p class="flex flex-wrap gap-x-4 gap-y-1 border-t border-slate-200 px-3 py-2 text-xs text-slate-600 dark:border-slate-800 dark:text-slate-400">
            <span>"◆ human decision"</span>
            <span>"● autonomous action"</span>
            <span>"■ side effect"</span>
            <span>"○ attested by the collector on receipt (hollow), ◌ imported from a file (dotted): no party that acted signed it"</span>
            <span class="text-emerald-700 dark:text-emerald-400">"⇄ reconciled with the other side"</span>
            <span class="text-red-700 dark:text-red-400">"≠ missing from the other side"</span>
            <span class="text-red-700 dark:text-red-400">"✕ tampered (chain or inclusion failed) or signature not verified"</span>
            <span class="text-orange-700 dark:text-orange-400">"▼ named by an attribution-gap finding"</span>
            <span class="text-amber-700 dark:text-amber-400">"┅ key not trusted then"</span>
            <span class="text-violet-700 dark:text-violet-400">"┅ delegation"</span>
            <span class="text-emerald-700">"┅ approval"</span>
            <span>"— caused by"</span>
            <span class="text-amber-700 dark:text-amber-400">"▬ credential valid, "</span><span class="text-red-700 dark:text-red-400">"▬ revoked"</span>
        </p>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::{nearest, tick_label, Viewport};

    #[test]
    fn a_click_selects_the_nearest_mark_within_reach() {
        let marks = [(100.0, 40.0, 1), (113.0, 40.0, 2), (100.0, 70.0, 3)];
        assert_eq!(nearest(&marks, 100.0, 40.0), Some(1));
        assert_eq!(nearest(&marks, 108.0, 41.0), Some(2));
        assert_eq!(nearest(&marks, 101.0, 66.0), Some(3));
        assert_eq!(nearest(&marks, 160.0, 40.0), None);
        // Equally near: the first drawn.
        assert_eq!(nearest(&marks, 106.5, 40.0), Some(1));
    }

    #[test]
    fn ticks_name_the_day_when_the_window_spans_days() {
        let day = 864e5;
        // 2026-11-17T00:00:00Z.
        let at = 1_794_873_600_000.0;
        let within = Viewport {
            from: at + 3_600_000.0,
            to: at + 7_200_000.0,
        };
        assert_eq!(tick_label(at + 3_600_000.0, 6e5, within), "01:00:00");
        let across = Viewport {
            from: at - 3_600_000.0,
            to: at + 2.0 * day,
        };
        assert_eq!(
            tick_label(at + 6.0 * 3_600_000.0, 216e5, across),
            "11-17 06:00"
        );
        assert_eq!(tick_label(at + day, day, across), "2026-11-18");
    }
}
