use std::fmt;

/// A checkout's status, named and numbered as BokaMera's `Payson2CheckoutStatus`
/// (`None = 0 … Denied = 11`). Payson's wire names are camelCase versions of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckoutStatus {
    None = 0,
    Created = 1,
    FormsFilled = 2,
    ReadyToPay = 3,
    ProcessingPayment = 4,
    ReadyToShip = 5,
    Shipped = 6,
    PaidToAccount = 7,
    Canceled = 8,
    Credited = 9,
    Expired = 10,
    Denied = 11,
}

impl CheckoutStatus {
    pub const ALL: [CheckoutStatus; 12] = [
        Self::None,
        Self::Created,
        Self::FormsFilled,
        Self::ReadyToPay,
        Self::ProcessingPayment,
        Self::ReadyToShip,
        Self::Shipped,
        Self::PaidToAccount,
        Self::Canceled,
        Self::Credited,
        Self::Expired,
        Self::Denied,
    ];

    /// BokaMera's enum name, e.g. `ReadyToShip`.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Created => "Created",
            Self::FormsFilled => "FormsFilled",
            Self::ReadyToPay => "ReadyToPay",
            Self::ProcessingPayment => "ProcessingPayment",
            Self::ReadyToShip => "ReadyToShip",
            Self::Shipped => "Shipped",
            Self::PaidToAccount => "PaidToAccount",
            Self::Canceled => "Canceled",
            Self::Credited => "Credited",
            Self::Expired => "Expired",
            Self::Denied => "Denied",
        }
    }

    /// BokaMera's enum number.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// Payson's camelCase wire name, e.g. `readyToShip`.
    pub fn payson_name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Created => "created",
            Self::FormsFilled => "formsFilled",
            Self::ReadyToPay => "readyToPay",
            Self::ProcessingPayment => "processingPayment",
            Self::ReadyToShip => "readyToShip",
            Self::Shipped => "shipped",
            Self::PaidToAccount => "paidToAccount",
            Self::Canceled => "canceled",
            Self::Credited => "credited",
            Self::Expired => "expired",
            Self::Denied => "denied",
        }
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
    }
}
