//! Median and spread of repeated measurements.

use serde::Serialize;

/// Several measurements of one figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    /// How many measurements.
    pub n: usize,
}

impl Summary {
    /// `None` for no measurements. The median of an even count is the mean
    /// of the middle two.
    pub fn of(values: &[f64]) -> Option<Summary> {
        if values.is_empty() {
            return None;
        }
        let mut v = values.to_vec();
        v.sort_by(|a, b| a.total_cmp(b));
        let mid = v.len() / 2;
        let median = if v.len() % 2 == 1 { v[mid] } else { (v[mid - 1] + v[mid]) / 2.0 };
        Some(Summary { median, min: v[0], max: v[v.len() - 1], n: v.len() })
    }

    /// `median (min..max)` with `decimals` digits after the point.
    pub fn display(&self, decimals: usize) -> String {
        if self.n == 1 {
            format!("{:.*}", decimals, self.median)
        } else {
            format!("{:.*} ({:.*}..{:.*})", decimals, self.median, decimals, self.min, decimals, self.max)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_min_and_max() {
        assert_eq!(Summary::of(&[3.0, 1.0, 2.0]), Some(Summary { median: 2.0, min: 1.0, max: 3.0, n: 3 }));
        assert_eq!(Summary::of(&[4.0, 1.0, 2.0, 10.0]).unwrap().median, 3.0);
        assert_eq!(Summary::of(&[]), None);
    }

    #[test]
    fn displayed_with_its_spread() {
        assert_eq!(Summary::of(&[1.25, 2.0, 3.5]).unwrap().display(1), "2.0 (1.2..3.5)");
        assert_eq!(Summary::of(&[7.0]).unwrap().display(2), "7.00");
    }
}
