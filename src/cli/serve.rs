//! `order-tracking serve`.

use std::io::Write;

use super::failure::Failure;
use crate::app::{App, shutdown_signal};
use crate::config::{Config, DatabaseArgs, ServeArgs};
use crate::{demo, telemetry};

pub async fn run(args: &ServeArgs, database: &DatabaseArgs) -> Result<(), Failure> {
    let config = Config::new(args, database)?;
    let _log = telemetry::init(args.log_format);
    let token_ttl = config.token_ttl;
    let portal = config.portal.enabled;
    // The sandbox's orders are drawn from its seed, so that --seed gives the same orders too.
    let seed = if args.sandbox { config.sandbox_clock.seed } else { demo::DEMO_SEED };
    let app = App::build(config).await?;
    let flag = if args.sandbox { "--sandbox" } else { "--demo" };
    let demo = match args.demo || args.sandbox {
        true => Some(demo::prepare(app.store().as_ref(), token_ttl, flag, seed).await?),
        false => None,
    };
    let (address, base) = (app.local_addr(), app.base_url());
    println!("listening on {base}");
    if let Some(admin) = app.admin_url() {
        // A supervisor may have stopped reading after the first line: no panic for that.
        let _ = writeln!(std::io::stdout(), "admin API listening on {admin}");
    }
    let demo_customer = demo.as_ref().map(|demo| demo.customer_id.clone());
    if let Some(demo) = demo {
        println!("{}", demo::instructions(&demo, &base, token_ttl));
    }
    if let (Some(customer_id), true) = (&demo_customer, portal) {
        let issued = crate::portal::users::demo_user(app.store().as_ref(), customer_id, &base).await?;
        println!("{}", crate::portal::users::demo_instructions(&base, &issued));
    }
    if (args.demo || args.sandbox) && !args.webhooks.webhook_allow_private {
        println!("Webhook callbacks may be plain http and local addresses here ({flag} implies --webhook-allow-private).\n");
    }
    if args.sandbox {
        println!("{}", crate::sandbox::instructions(&base));
    }
    tracing::info!(%address, database = %crate::store::mask_password(&database.database), "serving");
    app.run(shutdown_signal()).await.map_err(|error| Failure::new(format!("server stopped: {error}")))
}
