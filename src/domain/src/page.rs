use crate::Invalid;

/// A page of a list: `limit` 1..=100 (default 50), `offset` ≥ 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: u32,
    pub offset: u64,
}

impl Page {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 100;
    /// What SQL's OFFSET takes (`i64`).
    pub const MAX_OFFSET: u64 = i64::MAX as u64;

    /// `offset` as SQL takes it: [`Page::from_query`] keeps it within `i64`
    /// (a `Page` built by hand past that gets the largest offset, which
    /// skips every row).
    pub fn offset_i64(&self) -> i64 {
        i64::try_from(self.offset).unwrap_or(i64::MAX)
    }

    /// Reads `limit` and `offset` from a URL query string.
    pub fn from_query(query: &str) -> Result<Self, Invalid> {
        let mut page = Page { limit: Self::DEFAULT_LIMIT, offset: 0 };
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match &*key {
                "limit" => {
                    page.limit = value
                        .parse()
                        .ok()
                        .filter(|l| (1..=Self::MAX_LIMIT).contains(l))
                        .ok_or_else(|| Invalid::new("limit", "must be an integer from 1 to 100"))?
                }
                "offset" => {
                    page.offset = value
                        .parse()
                        .ok()
                        .filter(|o| *o <= Self::MAX_OFFSET)
                        .ok_or_else(|| Invalid::new("offset", "must be a non-negative integer"))?
                }
                _ => {}
            }
        }
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_default_to_50_from_the_start() {
        assert_eq!(Page::from_query("").unwrap(), Page { limit: 50, offset: 0 });
    }

    #[test]
    fn limit_and_offset_are_bounded() {
        assert_eq!(Page::from_query("limit=100&offset=7").unwrap(), Page { limit: 100, offset: 7 });
        for bad in ["limit=0", "limit=101", "limit=x", "offset=-1", "limit="] {
            assert!(Page::from_query(bad).is_err(), "{bad}");
        }
    }
}
