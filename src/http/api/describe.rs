//! The one description of the API's operations: routes, verbs, authentication and roles,
//! the request and response DTOs member by member, and the `Payson2CheckoutStatus` enum.
//! The metadata pages, the generated DTOs (`/types/*`) and the OpenAPI document are all
//! written from it; the tests below hold it to the DTOs the handlers really bind and
//! render, so it cannot drift from them.

use std::sync::LazyLock;

use crate::domain::policy::{SEND_ROLES, VIEW_ROLES};
use crate::domain::{CheckoutStatus, Role};

/// Where a request member is read from, as the metadata page's "Parameter" column says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Body,
    /// Response members: ServiceStack labels them "form".
    Form,
}

impl Location {
    pub fn name(self) -> &'static str {
        match self {
            Self::Path => "path",
            Self::Query => "query",
            Self::Body => "body",
            Self::Form => "form",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Guid,
    String,
    Bool,
    Enum(&'static EnumDesc),
}

#[derive(Debug, PartialEq, Eq)]
pub struct EnumDesc {
    pub name: &'static str,
    pub namespace: &'static str,
    /// In declaration order; a value's number is its index.
    pub values: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: &'static str,
    pub ty: Ty,
    /// `Guid?` rather than `Guid` (reference types such as string are always nullable).
    pub nullable: bool,
    pub required: bool,
    pub location: Location,
    pub description: &'static str,
}

impl Member {
    /// The .NET type as the metadata page shows it: `Guid?`, `string`, `bool`, an enum.
    pub fn type_name(&self) -> String {
        let base = match self.ty {
            Ty::Guid => "Guid",
            Ty::String => "string",
            Ty::Bool => "bool",
            Ty::Enum(e) => e.name,
        };
        if self.nullable {
            format!("{base}?")
        } else {
            base.to_owned()
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct Dto {
    pub name: &'static str,
    /// The .NET namespace of its DataContract (the XML default namespace's last part).
    pub namespace: &'static str,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Put,
    Post,
}

impl Verb {
    pub fn name(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Put => "PUT",
            Self::Post => "POST",
        }
    }

    /// ServiceStack's marker interface for the verb (`IGet`, `IPut`, `IPost`).
    pub fn marker(self) -> &'static str {
        match self {
            Self::Get => "IGet",
            Self::Put => "IPut",
            Self::Post => "IPost",
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct RouteDesc {
    pub verb: Verb,
    /// With `{Id}` placeholders, as ServiceStack writes them.
    pub path: &'static str,
    pub notes: &'static str,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Auth {
    None,
    /// Authentication required, and any of these roles.
    Roles(Vec<&'static str>),
}

#[derive(Debug, PartialEq, Eq)]
pub struct Operation {
    pub name: &'static str,
    pub summary: &'static str,
    pub routes: Vec<RouteDesc>,
    pub auth: Auth,
    pub request: Dto,
    pub response: &'static Dto,
    /// Whether `/api/{name}[]` and `/json/reply/{name}[]` take a batch of requests.
    pub batchable: bool,
    /// The status codes the handlers answer with, for the OpenAPI document.
    pub statuses: &'static [u16],
}

impl Operation {
    pub fn verb(&self) -> Verb {
        self.routes[0].verb
    }
}

pub const DTO_NAMESPACE: &str = "BokaMera.API.ServiceModel.Dtos";
pub const DATACONTRACT_BASE: &str = "http://schemas.datacontract.org/2004/07/";

pub static STATUS: LazyLock<EnumDesc> = LazyLock::new(|| EnumDesc {
    name: "Payson2CheckoutStatus",
    namespace: "PaysonIntegrationCO2.Models.Enums",
    values: CheckoutStatus::ALL.iter().map(|s| s.name()).collect(),
});

const CHECKOUT_ID: &str = "The checkout id";
const COMPANY_ID: &str =
    "The company id, if empty will use the company id for the user you are logged in with.";

static CHECKOUT_RESPONSE: LazyLock<Dto> = LazyLock::new(|| Dto {
    name: "PaysonCheckoutV2Response",
    namespace: DTO_NAMESPACE,
    members: vec![
        response_member("Id", Ty::Guid, CHECKOUT_ID),
        response_member(
            "Snippet",
            Ty::String,
            "The code snippet to for checkout module",
        ),
        response_member("Status", Ty::Enum(&STATUS), "The checkout status"),
    ],
});

static IPN_RESPONSE: LazyLock<Dto> = LazyLock::new(|| Dto {
    name: "IpnCallBackResponse",
    namespace: DTO_NAMESPACE,
    members: vec![
        response_member("Message", Ty::String, ""),
        response_member("Success", Ty::Bool, ""),
    ],
});

fn response_member(name: &'static str, ty: Ty, description: &'static str) -> Member {
    Member {
        name,
        ty,
        nullable: false,
        required: false,
        location: Location::Form,
        description,
    }
}

fn roles(rs: &[Role]) -> Auth {
    Auth::Roles(rs.iter().map(|r| r.name()).collect())
}

fn company_id(location: Location) -> Member {
    Member {
        name: "CompanyId",
        ty: Ty::Guid,
        nullable: true,
        required: false,
        location,
        description: COMPANY_ID,
    }
}

fn id(description: &'static str) -> Member {
    Member {
        name: "Id",
        ty: Ty::Guid,
        nullable: false,
        required: true,
        location: Location::Path,
        description,
    }
}

/// The operations, in the order the metadata index lists them.
pub static OPERATIONS: LazyLock<Vec<Operation>> = LazyLock::new(|| {
    vec![
        Operation {
            name: super::SEND,
            summary: "Send the payment request of a checkout that is ReadyToShip",
            routes: vec![RouteDesc {
                verb: Verb::Put,
                path: "/payment/payson/v2/checkout/{Id}/sendpaymentrequest",
                notes: "If checkout has is awaiting admin to send payment request, this method is sending the payment reqeust (example when you want to send the payment request manually).",
            }],
            auth: roles(&SEND_ROLES),
            request: Dto {
                name: super::SEND,
                namespace: DTO_NAMESPACE,
                members: vec![
                    company_id(Location::Body),
                    id("The checkout id. The checkout must have status ReadyToShip - 5"),
                ],
            },
            response: &CHECKOUT_RESPONSE,
            batchable: true,
            statuses: &[
                200, 400, 401, 403, 404, 406, 409, 413, 415, 429, 500, 502, 503, 504,
            ],
        },
        Operation {
            name: super::GET,
            summary: "Get payson checkout",
            routes: vec![RouteDesc {
                verb: Verb::Get,
                path: "/payment/payson/v2/checkout/{Id}",
                notes: "Get the checkout for Booking",
            }],
            auth: roles(&VIEW_ROLES),
            request: Dto {
                name: super::GET,
                namespace: DTO_NAMESPACE,
                members: vec![company_id(Location::Query), id("The checkout id.")],
            },
            response: &CHECKOUT_RESPONSE,
            batchable: true,
            statuses: &[200, 400, 401, 403, 404, 406, 429, 500, 502, 503, 504],
        },
        Operation {
            name: IPN,
            summary: "IPN callback for payson checkout 2.0",
            routes: vec![RouteDesc {
                verb: Verb::Post,
                path: "/payment/payson/v2/ipncallback",
                notes: "IPN callback for payson checkout 2.0",
            }],
            auth: Auth::None,
            request: Dto {
                name: IPN,
                namespace: DTO_NAMESPACE,
                members: vec![Member {
                    name: "checkout",
                    ty: Ty::Guid,
                    nullable: false,
                    required: true,
                    location: Location::Query,
                    description: "The checkout id.",
                }],
            },
            response: &IPN_RESPONSE,
            batchable: false,
            statuses: &[200, 400, 500, 503],
        },
    ]
});

pub const IPN: &str = "PaysonCheckout2IPNCallBack";

pub fn operation(name: &str) -> Option<&'static Operation> {
    OPERATIONS
        .iter()
        .find(|o| o.name.eq_ignore_ascii_case(name))
}

/// Every DTO the operations use, each once: requests, then responses.
pub fn dtos() -> Vec<&'static Dto> {
    let mut out: Vec<&'static Dto> = OPERATIONS.iter().map(|o| &o.request).collect();
    for o in OPERATIONS.iter() {
        if !out.iter().any(|d| d.name == o.response.name) {
            out.push(o.response);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    //! The description against the real DTOs: the JSON the renderers write and the fields
    //! the handlers bind. A member added to a DTO but not described (or described but gone)
    //! fails here.

    use std::collections::BTreeSet;

    use super::*;
    use crate::domain::{Checkout, CompanyId};
    use crate::http::api::binding::Fields;
    use crate::http::api::format::Format;
    use crate::http::api::render;

    fn names(d: &Dto) -> BTreeSet<&'static str> {
        d.members.iter().map(|m| m.name).collect()
    }

    async fn json_keys(resp: actix_web::HttpResponse) -> BTreeSet<String> {
        let body = actix_web::body::to_bytes(resp.into_body())
            .await
            .unwrap_or_default();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    pub(crate) fn sample_checkout() -> Checkout {
        Checkout {
            snippet: Some("<div></div>".into()),
            ..crate::service::checkouts::tests::checkout("{}")
        }
    }

    #[actix_web::test]
    async fn response_members_are_what_the_renderers_write() {
        let written = json_keys(render::checkout(Format::Json, &sample_checkout())).await;
        let described: BTreeSet<String> = names(&CHECKOUT_RESPONSE)
            .into_iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(written, described);
        let written = json_keys(render::ipn_answer(
            actix_web::http::StatusCode::OK,
            Format::Json,
            "m",
            true,
        ))
        .await;
        let described: BTreeSet<String> = names(&IPN_RESPONSE)
            .into_iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(written, described);
    }

    #[test]
    fn request_members_are_what_the_handlers_bind() {
        // Each described member, given a value of its own, must reach the command; and the
        // command reads nothing the description leaves out (both of its inputs are covered).
        for op in [super::super::SEND, super::super::GET] {
            let dto = &operation(op).expect("described").request;
            assert_eq!(names(dto), BTreeSet::from(["CompanyId", "Id"]), "{op}");
            let (id, company) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
            let values: Vec<(&str, String)> = dto
                .members
                .iter()
                .map(|m| {
                    let v = if m.name == "Id" { id } else { company };
                    (m.name, v.to_string())
                })
                .collect();
            let fields = Fields::from_pairs(values.iter().map(|(k, v)| (*k, v.as_str())));
            let cmd = super::super::checkout::command(&fields).expect("binds");
            assert_eq!(cmd.checkout_id, id.into());
            assert_eq!(cmd.company_id, CompanyId::from_request(company));
        }
        let ipn = &operation(IPN).expect("described").request;
        assert_eq!(
            names(ipn),
            BTreeSet::from([super::super::ipn::CHECKOUT_FIELD])
        );
    }

    #[test]
    fn the_status_enum_is_the_domains_in_order() {
        assert_eq!(STATUS.values.len(), 12);
        assert_eq!(STATUS.values[0], "None");
        assert_eq!(STATUS.values[5], "ReadyToShip");
        assert_eq!(STATUS.values[11], "Denied");
        for (i, s) in CheckoutStatus::ALL.iter().enumerate() {
            assert_eq!(*s as usize, i, "numbered by position");
        }
    }

    #[test]
    fn roles_come_from_the_policy() {
        let send = operation("sendcheckoutpaymentrequest").expect("case-insensitive");
        assert_eq!(send.verb(), Verb::Put);
        assert_eq!(
            send.auth,
            Auth::Roles(vec!["bookingsupplier-administrator-write", "superadmin"])
        );
        assert_eq!(dtos().len(), 5);
    }
}
