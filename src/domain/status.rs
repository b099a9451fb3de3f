use std::fmt;
use std::sync::LazyLock;

named_enum! {
    /// A checkout's status, named and numbered (in this order, `None = 0 … Denied = 11`) as
    /// BokaMera's `Payson2CheckoutStatus`. Payson's wire names are camelCase versions of these.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum CheckoutStatus, parsed by hand {
        None => "None",
        Created => "Created",
        FormsFilled => "FormsFilled",
        ReadyToPay => "ReadyToPay",
        ProcessingPayment => "ProcessingPayment",
        ReadyToShip => "ReadyToShip",
        Shipped => "Shipped",
        PaidToAccount => "PaidToAccount",
        Canceled => "Canceled",
        Credited => "Credited",
        Expired => "Expired",
        Denied => "Denied",
    }
}

impl CheckoutStatus {
    /// BokaMera's enum number.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// Payson's camelCase wire name, e.g. `readyToShip`: the name with its first letter
    /// lowered.
    pub fn payson_name(self) -> &'static str {
        static PAYSON_NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
            CheckoutStatus::ALL
                .iter()
                .map(|s| s.name()[..1].to_ascii_lowercase() + &s.name()[1..])
                .collect()
        });
        &PAYSON_NAMES[usize::from(self.number())]
    }

    /// Parses a BokaMera name or number, or a Payson wire name, in any letter case.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if let Ok(n) = s.parse::<u8>() {
            return Self::ALL.get(usize::from(n)).copied();
        }
        Self::ALL
            .into_iter()
            .find(|st| st.name().eq_ignore_ascii_case(s))
            // British spelling appears in some integrations; Payson itself writes `canceled`.
            .or_else(|| {
                s.eq_ignore_ascii_case("cancelled")
                    .then_some(Self::Canceled)
            })
    }

    /// Maps what Payson reports. Payson may add statuses it never documented: an
    /// unknown one is tolerated and shown as `None` rather than failing the request.
    pub fn from_payson(s: &str) -> Self {
        Self::parse(s).unwrap_or(Self::None)
    }

    /// "ReadyToShip - 5", the form BokaMera's documentation uses.
    pub fn describe(self) -> String {
        format!("{} - {}", self.name(), self.number())
    }
}

impl fmt::Display for CheckoutStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_match_bokamera() {
        assert_eq!(CheckoutStatus::None.number(), 0);
        assert_eq!(CheckoutStatus::ReadyToShip.number(), 5);
        assert_eq!(CheckoutStatus::Shipped.number(), 6);
        assert_eq!(CheckoutStatus::Credited.number(), 9);
        assert_eq!(CheckoutStatus::Denied.number(), 11);
        for (i, s) in CheckoutStatus::ALL.iter().enumerate() {
            assert_eq!(usize::from(s.number()), i);
        }
    }

    #[test]
    fn payson_names_round_trip_and_unknown_is_tolerated() {
        for s in CheckoutStatus::ALL {
            assert_eq!(CheckoutStatus::from_payson(s.payson_name()), s);
            assert_eq!(CheckoutStatus::parse(s.name()), Some(s));
        }
        assert_eq!(
            CheckoutStatus::from_payson("readytoship"),
            CheckoutStatus::ReadyToShip
        );
        assert_eq!(
            CheckoutStatus::from_payson("somethingNew"),
            CheckoutStatus::None
        );
        assert_eq!(CheckoutStatus::parse("12"), None);
        assert_eq!(CheckoutStatus::ReadyToShip.describe(), "ReadyToShip - 5");
        assert_eq!(CheckoutStatus::ReadyToShip.payson_name(), "readyToShip");
        assert_eq!(CheckoutStatus::None.payson_name(), "none");
    }
}
