//! The verdict vocabulary of DESIGN section 6 and its priority order.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What the evidence says about one target's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Leak,
    RestartMaskedLeak,
    NativeGrowth,
    CacheGrowth,
    Plateau,
    Stable,
    /// The default: nothing has been judged.
    #[default]
    InsufficientData,
}

impl Verdict {
    /// Every verdict, worst first.
    pub const ALL: [Verdict; 7] = [
        Verdict::Leak,
        Verdict::RestartMaskedLeak,
        Verdict::NativeGrowth,
        Verdict::CacheGrowth,
        Verdict::Plateau,
        Verdict::Stable,
        Verdict::InsufficientData,
    ];

    /// The exact string used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Leak => "leak",
            Verdict::RestartMaskedLeak => "restart_masked_leak",
            Verdict::NativeGrowth => "native_growth",
            Verdict::CacheGrowth => "cache_growth",
            Verdict::Plateau => "plateau",
            Verdict::Stable => "stable",
            Verdict::InsufficientData => "insufficient_data",
        }
    }

    /// Severity rank: 0 is the worst (`leak`), 6 the least (`insufficient_data`).
    pub fn severity_rank(self) -> usize {
        Verdict::ALL
            .iter()
            .position(|v| *v == self)
            .unwrap_or(Verdict::ALL.len())
    }

    /// The worst verdict of many; `insufficient_data` when there are none.
    pub fn worst<I: IntoIterator<Item = Verdict>>(verdicts: I) -> Verdict {
        verdicts
            .into_iter()
            .min_by_key(|v| v.severity_rank())
            .unwrap_or(Verdict::InsufficientData)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A verdict name that is not one of the seven.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown verdict `{0}`; expected one of: leak, restart_masked_leak, native_growth, cache_growth, plateau, stable, insufficient_data"
)]
pub struct UnknownVerdict(pub String);

impl FromStr for Verdict {
    type Err = UnknownVerdict;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Verdict::ALL
            .into_iter()
            .find(|v| v.as_str() == s.trim())
            .ok_or_else(|| UnknownVerdict(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_follows_priority() {
        assert_eq!(
            Verdict::worst([Verdict::Stable, Verdict::CacheGrowth, Verdict::Plateau]),
            Verdict::CacheGrowth
        );
        assert_eq!(
            Verdict::worst([Verdict::InsufficientData, Verdict::Leak]),
            Verdict::Leak
        );
        assert_eq!(Verdict::worst([]), Verdict::InsufficientData);
    }

    #[test]
    fn parses_every_name() {
        for v in Verdict::ALL {
            assert_eq!(v.as_str().parse::<Verdict>(), Ok(v));
        }
        assert!("leaky".parse::<Verdict>().is_err());
    }
}
