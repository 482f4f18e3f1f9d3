//! The seven targets of the sample report, one builder each (see `render_sample.rs`).

use super::*;

pub fn api_host_a() -> TargetReport {
    let mut t = target(
        "otl-api",
        "host-a",
        Verdict::Leak,
        0.94,
        &[
            "heap floor (post-GC minima) grows 2.10 MiB/h [1.85, 2.36], p < 0.001 over 7.0 d",
            "linear fits best (Akaike weight 0.91); the saturating model is 14.2 AICc worse",
            "at this rate the 1.00 GiB cgroup limit is reached in 7.4 d",
        ],
    );
    let floor = |h: f64| 300.0 * MIB + 2.1 * MIB * h;
    let (raw, low) = heap(floor, 1.0);
    let to = END + 177.0 * HOUR;
    let models = vec![
        model(
            "linear",
            "y = a + b*t",
            &[("a", 300.0 * MIB), ("b", 2.1 * MIB)],
            0.0,
            0.91,
            curve(START, to, floor),
        ),
        model(
            "saturating_exponential",
            "y = c - (c - a)*exp(-t/tau)",
            &[("a", 290.0 * MIB), ("c", 900.0 * MIB), ("tau", 300.0)],
            14.2,
            0.07,
            curve(START, to, |h| {
                900.0 * MIB - 610.0 * MIB * (-h / 300.0).exp()
            }),
        ),
        model(
            "logarithmic",
            "y = a + b*ln(1 + t)",
            &[("a", 250.0 * MIB), ("b", 55.0 * MIB)],
            21.9,
            0.02,
            curve(START, to, |h| 250.0 * MIB + 55.0 * MIB * (1.0 + h).ln()),
        ),
    ];
    t.growth = Some(Growth {
        kind: "heap_used".to_string(),
        bytes_per_hour: 2.1 * MIB,
        ci95: [1.85 * MIB, 2.36 * MIB],
    });
    t.time_to_limit_hours = Some(177.0);
    t.series = vec![
        series(
            "heap_used",
            "raw",
            raw,
            Vec::new(),
            None,
            Some(trend(2.0 * MIB, 0.0004)),
        ),
        series(
            "heap_used",
            "floor",
            low,
            models,
            Some("linear"),
            Some(trend(2.1 * MIB, 0.0001)),
        ),
        plain(
            "cgroup_usage",
            sampled(|i, h| 520.0 * MIB + 2.2 * MIB * h + 6.0 * MIB * jitter(i, 3.0)),
        ),
        plain(
            "cgroup_rss",
            sampled(|i, h| 440.0 * MIB + 2.15 * MIB * h + 5.0 * MIB * jitter(i, 4.0)),
        ),
        plain(
            "cgroup_cache",
            sampled(|i, _| 80.0 * MIB + 3.0 * MIB * jitter(i, 5.0)),
        ),
    ];
    t
}

pub fn api_host_b() -> TargetReport {
    let mut t = target(
        "otl-api",
        "host-b",
        Verdict::CacheGrowth,
        0.88,
        &[
            "cgroup_cache grows 3.40 MiB/h while the heap floor is flat (p = 0.62)",
            "page cache is reclaimable & counts toward usage < limit: no OOM risk from it",
        ],
    );
    let cache = |h: f64| 120.0 * MIB + 3.4 * MIB * h;
    let models = vec![
        model(
            "linear",
            "y = a + b*t",
            &[("a", 120.0 * MIB), ("b", 3.4 * MIB)],
            0.0,
            0.84,
            curve(START, END, cache),
        ),
        model(
            "logarithmic",
            "y = a + b*ln(1 + t)",
            &[("a", 60.0 * MIB), ("b", 110.0 * MIB)],
            3.4,
            0.16,
            curve(START, END, |h| 60.0 * MIB + 110.0 * MIB * (1.0 + h).ln()),
        ),
    ];
    let (raw, low) = heap(|_| 310.0 * MIB, 11.0);
    t.growth = Some(Growth {
        kind: "cgroup_cache".to_string(),
        bytes_per_hour: 3.4 * MIB,
        ci95: [3.1 * MIB, 3.7 * MIB],
    });
    t.series = vec![
        plain(
            "cgroup_usage",
            sampled(|i, h| 560.0 * MIB + 3.4 * MIB * h + 6.0 * MIB * jitter(i, 12.0)),
        ),
        plain(
            "cgroup_rss",
            sampled(|i, _| 440.0 * MIB + 5.0 * MIB * jitter(i, 13.0)),
        ),
        series(
            "cgroup_cache",
            "raw",
            sampled(|i, h| cache(h) + 4.0 * MIB * jitter(i, 14.0)),
            models,
            Some("linear"),
            Some(trend(3.4 * MIB, 0.0001)),
        ),
        series(
            "heap_used",
            "raw",
            raw,
            Vec::new(),
            None,
            Some(trend(0.01 * MIB, 0.62)),
        ),
        series(
            "heap_used",
            "floor",
            low,
            Vec::new(),
            None,
            Some(trend(0.0, 0.71)),
        ),
    ];
    t
}

pub fn cron_host_a() -> TargetReport {
    let mut t = target(
        "otl-cron",
        "host-a",
        Verdict::InsufficientData,
        0.0,
        &["only 9 samples over 4.0 h; at least 48 over 12 h are needed"],
    );
    t.limit_bytes = None;
    t.limit_source = None;
    t.missing_kinds = vec!["cgroup_rss".to_string(), "cgroup_cache".to_string()];
    let samples: Vec<[f64; 2]> = (0..9)
        .map(|i| {
            [
                END - (8 - i) as f64 * STEP,
                90.0 * MIB + 3.0 * MIB * jitter(i, 20.0),
            ]
        })
        .collect();
    t.series = vec![plain("heap_used", samples)];
    t
}

pub fn scheduler_host_b() -> TargetReport {
    let mut t = target(
        "otl-scheduler",
        "host-b",
        Verdict::NativeGrowth,
        0.81,
        &[
            "process_rss grows 1.20 MiB/h while heap_used is flat (Sen 0.02 MiB/h, p = 0.44)",
            "external (Buffers) grows 1.05 MiB/h and explains 88% of the rss growth",
        ],
    );
    t.limit_bytes = Some(2.0 * GIB);
    let rss = |h: f64| 380.0 * MIB + 1.2 * MIB * h;
    let models = vec![
        model(
            "linear",
            "y = a + b*t",
            &[("a", 380.0 * MIB), ("b", 1.2 * MIB)],
            0.0,
            0.77,
            curve(START, END, rss),
        ),
        model(
            "piecewise_linear",
            "y = a + b*t + c*max(0, t - k)",
            &[
                ("a", 382.0 * MIB),
                ("b", 1.1 * MIB),
                ("c", 0.2 * MIB),
                ("k", 80.0),
            ],
            2.4,
            0.23,
            curve(START, END, |h| {
                382.0 * MIB + 1.1 * MIB * h + 0.2 * MIB * (h - 80.0).max(0.0)
            }),
        ),
    ];
    t.growth = Some(Growth {
        kind: "process_rss".to_string(),
        bytes_per_hour: 1.2 * MIB,
        ci95: [0.98 * MIB, 1.41 * MIB],
    });
    t.time_to_limit_hours = Some(1390.0);
    t.series = vec![
        series(
            "process_rss",
            "raw",
            sampled(|i, h| rss(h) + 5.0 * MIB * jitter(i, 30.0)),
            models,
            Some("linear"),
            Some(trend(1.2 * MIB, 0.0002)),
        ),
        plain(
            "external",
            sampled(|i, h| 40.0 * MIB + 1.05 * MIB * h + 2.0 * MIB * jitter(i, 31.0)),
        ),
        series(
            "heap_used",
            "raw",
            sampled(|i, _| 150.0 * MIB + 20.0 * MIB * jitter(i, 32.0)),
            Vec::new(),
            None,
            Some(trend(0.02 * MIB, 0.44)),
        ),
    ];
    t
}

pub fn worker_host_a() -> TargetReport {
    let mut t = target(
        "otl-worker",
        "host-a",
        Verdict::RestartMaskedLeak,
        0.86,
        &[
            "3 restarts in 7.0 d; within each segment the heap floor grows 4.80 MiB/h (all 4 segments, p < 0.01)",
            "each restart happens near 700 MiB: pm2 max_memory_restart hides the leak",
        ],
    );
    let restarts = [38.0, 79.0, 121.0];
    let since = |h: f64| {
        let last = restarts
            .iter()
            .copied()
            .filter(|r| *r <= h)
            .fold(0.0, f64::max);
        h - last
    };
    let floor = move |h: f64| 200.0 * MIB + 4.8 * MIB * since(h);
    let (raw, low) = heap(floor, 40.0);
    let models = vec![
        model(
            "piecewise_linear",
            "y = a_s + b*(t - t_s) per segment",
            &[("b", 4.8 * MIB)],
            0.0,
            0.97,
            curve(START, END, floor),
        ),
        model(
            "linear",
            "y = a + b*t",
            &[("a", 290.0 * MIB), ("b", 0.1 * MIB)],
            48.0,
            0.03,
            curve(START, END, |h| 290.0 * MIB + 0.1 * MIB * h),
        ),
    ];
    t.growth = Some(Growth {
        kind: "heap_used".to_string(),
        bytes_per_hour: 4.8 * MIB,
        ci95: [4.3 * MIB, 5.2 * MIB],
    });
    t.restarts = restarts.len();
    t.restart_times = restarts
        .iter()
        .map(|h| memgrowth::units::rfc3339(START + h * HOUR))
        .collect();
    t.time_to_limit_hours = Some(137.0);
    t.series = vec![
        series(
            "heap_used",
            "raw",
            raw,
            Vec::new(),
            None,
            Some(trend(0.1 * MIB, 0.31)),
        ),
        series(
            "heap_used",
            "floor",
            low,
            models,
            Some("piecewise_linear"),
            Some(trend(0.1 * MIB, 0.29)),
        ),
    ];
    t
}

pub fn worker_host_b() -> TargetReport {
    let mut t = target(
        "otl-worker",
        "host-b",
        Verdict::Plateau,
        0.79,
        &[
            "the saturating model fits best (weight 0.88) with an asymptote of 612 MiB",
            "growth in the last day is 0.21 MiB/h, below the materiality threshold",
        ],
    );
    let level = |h: f64| 612.0 * MIB - 400.0 * MIB * (-h / 30.0).exp();
    let to = END + 48.0 * HOUR;
    let models = vec![
        model(
            "saturating_exponential",
            "y = c - (c - a)*exp(-t/tau)",
            &[("a", 212.0 * MIB), ("c", 612.0 * MIB), ("tau", 30.0)],
            0.0,
            0.88,
            curve(START, to, level),
        ),
        model(
            "logarithmic",
            "y = a + b*ln(1 + t)",
            &[("a", 150.0 * MIB), ("b", 90.0 * MIB)],
            4.3,
            0.10,
            curve(START, to, |h| 150.0 * MIB + 90.0 * MIB * (1.0 + h).ln()),
        ),
        model(
            "linear",
            "y = a + b*t",
            &[("a", 420.0 * MIB), ("b", 1.2 * MIB)],
            9.9,
            0.02,
            curve(START, to, |h| 420.0 * MIB + 1.2 * MIB * h),
        ),
    ];
    let (raw, low) = heap(level, 50.0);
    t.growth = Some(Growth {
        kind: "heap_used".to_string(),
        bytes_per_hour: 0.21 * MIB,
        ci95: [0.05 * MIB, 0.4 * MIB],
    });
    t.plateau = Some(PlateauInfo {
        asymptote_bytes: 612.0 * MIB,
        headroom_bytes: Some(412.0 * MIB),
        asymptote_interval: None,
    });
    t.series = vec![
        series(
            "heap_used",
            "raw",
            raw,
            Vec::new(),
            None,
            Some(trend(0.5 * MIB, 0.01)),
        ),
        series(
            "heap_used",
            "floor",
            low,
            models,
            Some("saturating_exponential"),
            Some(trend(0.21 * MIB, 0.03)),
        ),
        plain(
            "cgroup_rss",
            sampled(|i, h| level(h) + 120.0 * MIB + 4.0 * MIB * jitter(i, 51.0)),
        ),
        plain(
            "cgroup_cache",
            sampled(|i, _| 60.0 * MIB + 2.0 * MIB * jitter(i, 52.0)),
        ),
    ];
    t
}

pub fn redis_host_a() -> TargetReport {
    let mut t = target(
        "redis",
        "host-a",
        Verdict::Stable,
        0.9,
        &["redis_used has no significant trend (p = 0.48); Sen slope -0.01 MiB/h"],
    );
    t.limit_bytes = Some(512.0 * MIB);
    t.limit_source = Some("redis_max".to_string());
    let level = |_h: f64| 180.0 * MIB;
    let models = vec![model(
        "linear",
        "y = a + b*t",
        &[("a", 180.0 * MIB), ("b", 0.0)],
        0.0,
        0.6,
        curve(START, END, level),
    )];
    t.series = vec![series(
        "redis_used",
        "raw",
        sampled(|i, h| level(h) + 8.0 * MIB * jitter(i, 60.0)),
        models,
        Some("linear"),
        Some(trend(-0.01 * MIB, 0.48)),
    )];
    t
}
