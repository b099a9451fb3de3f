//! How domain values bind and decode through sqlx's traits, on both backends: ids (dashed
//! lower-case GUIDs) and stored names as TEXT, the column type both sets of migrations use,
//! and an HTTP status as an integer. These impls live here so `domain` does not depend on
//! sqlx. A stored value that does not parse is a decode error, which `db_err` reports as
//! corrupt data.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};
use uuid::Uuid;

use super::json_row::FromJson;

use crate::domain::{
    AuditAction, AuditOutcome, BulkJobId, BulkRowState, CheckoutId, CheckoutStatus, ClaimState,
    CompanyId, Currency, DigestState, Language, NotificationResult, PaymentMethod, RoleSet,
    TimeZone, UserId,
};

/// A plain `Uuid` id (API tokens, company API keys) as TEXT. sqlx's own `Uuid` is a BLOB in
/// SQLite and a UUID in PostgreSQL, neither of which the TEXT columns hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Guid(pub Uuid);

impl From<Guid> for Uuid {
    fn from(g: Guid) -> Self {
        g.0
    }
}

/// An HTTP status as stored (INTEGER/BIGINT); a number outside `u16` does not decode.
pub(super) struct HttpStatus(pub u16);

impl From<HttpStatus> for u16 {
    fn from(s: HttpStatus) -> Self {
        s.0
    }
}

/// A stored value `parse`d as a `what`, or the decode error naming it.
fn parsed_or_corrupt<T>(
    parsed: Option<T>,
    stored: &impl std::fmt::Display,
    what: &str,
) -> Result<T, BoxDynError> {
    parsed.ok_or_else(|| format!("'{stored}' is not a valid {what}").into())
}

/// `Type`, `Encode` and `Decode` for `$ty` stored as `$base` (`String` for TEXT): `$to`
/// writes the value as a `$base`, `$from` reads it back from a `&$base`, `None` meaning the
/// stored value does not parse.
macro_rules! column_type {
    ($ty:ty as $base:ty, |$v:ident| $to:expr, |$s:ident| $from:expr) => {
        impl<DB: Database> Type<DB> for $ty
        where
            $base: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <$base as Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <$base as Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: Database> Encode<'q, DB> for $ty
        where
            $base: Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as Database>::ArgumentBuffer,
            ) -> Result<IsNull, BoxDynError> {
                let $v = self;
                <$base as Encode<'q, DB>>::encode($to, buf)
            }
        }

        impl<'r, DB: Database> Decode<'r, DB> for $ty
        where
            $base: Decode<'r, DB>,
        {
            fn decode(value: <DB as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let stored = <$base as Decode<'r, DB>>::decode(value)?;
                let $s = &stored;
                parsed_or_corrupt($from, $s, stringify!($ty))
            }
        }

        // The same value read from a JSON row (`json_row.rs`).
        impl FromJson for $ty {
            fn from_json(v: &serde_json::value::RawValue) -> Result<Self, BoxDynError> {
                let stored = <$base as FromJson>::from_json(v)?;
                let $s = &stored;
                parsed_or_corrupt($from, $s, stringify!($ty))
            }
        }
    };
    // The families of values stored the same way: ids as their GUID text; statuses and
    // other names by `name()`, codes by `code()`, each read back by `parse`.
    (ids: $($ty:ident),+) => {
        $(column_type!($ty as String, |v| v.to_string(), |s| {
            Uuid::parse_str(s).ok().map(Into::into)
        });)+
    };
    (names: $($ty:ident),+) => {
        $(column_type!($ty as String, |v| v.name().to_owned(), |s| $ty::parse(s));)+
    };
    (codes: $($ty:ident),+) => {
        $(column_type!($ty as String, |v| v.code().to_owned(), |s| $ty::parse(s));)+
    };
}

column_type!(Guid as String, |v| v.0.hyphenated().to_string(), |s| {
    Uuid::parse_str(s).ok().map(Guid)
});
column_type!(ids: CompanyId, UserId, CheckoutId, BulkJobId);
column_type!(names: BulkRowState, CheckoutStatus, ClaimState, DigestState, AuditAction, AuditOutcome, NotificationResult);
column_type!(codes: Currency, Language);
column_type!(PaymentMethod as String, |v| v.name().to_owned(), |s| {
    Some(PaymentMethod::parse(s))
});
column_type!(RoleSet as String, |v| v.to_list(), |s| {
    RoleSet::parse_list(s).ok()
});
column_type!(TimeZone as String, |v| v.name().to_owned(), |s| {
    TimeZone::parse(s).ok()
});
column_type!(HttpStatus as i64, |v| i64::from(v.0), |n| {
    u16::try_from(*n).ok().map(HttpStatus)
});
