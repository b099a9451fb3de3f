use std::fmt;

/// Currencies Payson Checkout 2.0 accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Currency {
    Sek,
    Eur,
}

impl Currency {
    /// ISO code in upper case (`SEK`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Sek => "SEK",
            Self::Eur => "EUR",
        }
    }

    /// Payson writes currencies in lower case on the wire.
    pub fn payson_code(self) -> &'static str {
        match self {
            Self::Sek => "sek",
            Self::Eur => "eur",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sek" => Some(Self::Sek),
            "eur" => Some(Self::Eur),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("'{0}' is not an amount with at most two decimals")]
    BadAmount(String),
    #[error("'{0}' is not a currency Payson accepts")]
    BadCurrency(String),
}

/// An amount in integer minor units (öre, cent) with its currency. Never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    pub fn minor(self) -> i64 {
        self.minor
    }

    pub fn currency(self) -> Currency {
        self.currency
    }

    /// Parses a decimal such as `"399"`, `"1234.5"` or `"-12.05"` exactly (no float
    /// rounding): Payson sends amounts as JSON numbers with at most two decimals.
    pub fn parse_decimal(s: &str, currency: Currency) -> Result<Self, MoneyError> {
        let bad = || MoneyError::BadAmount(s.to_owned());
        let t = s.trim();
        let (neg, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let (int, frac) = t.split_once('.').unwrap_or((t, ""));
        // JSON serializers may write 250.0 or 250.50; more than two significant decimals is not money.
        let frac = frac.trim_end_matches('0');
        if int.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 2
        {
            return Err(bad());
        }
        let whole: i64 = int.parse().map_err(|_| bad())?;
        let cents: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
        let minor = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(cents))
            .ok_or_else(bad)?;
        Ok(Self::from_minor(if neg { -minor } else { minor }, currency))
    }

    /// The plain decimal form Payson expects (`1234.50`).
    pub fn to_decimal_string(self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// Swedish formatting: `1 234,50 kr` (SEK) or `1 234,50 €`, with a no-break space
    /// grouping thousands as Swedish typography does.
    pub fn format_sv(self) -> String {
        let unit = match self.currency {
            Currency::Sek => "kr",
            Currency::Eur => "€",
        };
        format!("{}\u{a0}{unit}", self.grouped('\u{a0}', ','))
    }

    /// English formatting: `SEK 1,234.50`.
    pub fn format_en(self) -> String {
        format!("{}\u{a0}{}", self.currency.code(), self.grouped(',', '.'))
    }

    fn grouped(self, group: char, decimal: char) -> String {
        let abs = self.minor.unsigned_abs();
        let digits = (abs / 100).to_string();
        let mut out = String::new();
        if self.minor < 0 {
            out.push('-');
        }
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(group);
            }
            out.push(ch);
        }
        out.push(decimal);
        out.push_str(&format!("{:02}", abs % 100));
        out
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal_string(), self.currency.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimals_exactly() {
        let m = |s| Money::parse_decimal(s, Currency::Sek).map(Money::minor);
        assert_eq!(m("399"), Ok(39900));
        assert_eq!(m("1234.5"), Ok(123450));
        assert_eq!(m("0.07"), Ok(7));
        assert_eq!(m("250.0"), Ok(25000));
        assert_eq!(m("-12.05"), Ok(-1205));
        assert!(m("1.234").is_err());
        assert!(m("abc").is_err());
        assert!(m("").is_err());
        assert!(m("1e3").is_err());
    }

    #[test]
    fn formats_per_locale() {
        let m = Money::from_minor(123450, Currency::Sek);
        assert_eq!(m.format_sv(), "1\u{a0}234,50\u{a0}kr");
        assert_eq!(m.format_en(), "SEK\u{a0}1,234.50");
        assert_eq!(m.to_decimal_string(), "1234.50");
        assert_eq!(
            Money::from_minor(-5, Currency::Eur).to_decimal_string(),
            "-0.05"
        );
        assert_eq!(
            Money::from_minor(100_000_000, Currency::Sek).format_sv(),
            "1\u{a0}000\u{a0}000,00\u{a0}kr"
        );
    }
}
