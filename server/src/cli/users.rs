//! `custody user`: accounts, from the command line (the first admin is made here).

use std::io::{BufRead as _, IsTerminal as _};

use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};
use model::Role;
use store::review_log::Actor;
use store::users;

use super::store::StoreArgs;

/// `custody user`.
#[derive(Debug, Args)]
pub struct UserArgs {
    #[command(subcommand)]
    pub command: UserCommand,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// A role on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RoleArg {
    /// Browses incidents, uploads, annotates, runs the incident workflow.
    ComplianceReviewer,
    /// Verifies, reads everything, exports; changes nothing.
    Auditor,
    /// Signs off approval chains.
    AccessReviewer,
    /// Manages users, roles, trust roots and settings.
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::ComplianceReviewer => Role::ComplianceReviewer,
            RoleArg::Auditor => Role::Auditor,
            RoleArg::AccessReviewer => Role::AccessReviewer,
            RoleArg::Admin => Role::Admin,
        }
    }
}

/// What to do with accounts. Passwords come from `CUSTODY_NEW_PASSWORD`, or the
/// first line of standard input when it is not a terminal; otherwise one is made
/// and printed.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Make an account.
    Add {
        /// The account name (letters, digits, '.', '-', '_', '@').
        name: String,
        /// Its role.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The name shown in the console.
        #[arg(long, default_value = "")]
        display_name: String,
    },
    /// List the accounts.
    List,
    /// Give an account another role (in force from its next request).
    Role {
        /// The account.
        name: String,
        /// The new role.
        #[arg(value_enum)]
        role: RoleArg,
    },
    /// Disable an account: its sessions end at once.
    Disable {
        /// The account.
        name: String,
    },
    /// Enable a disabled account.
    Enable {
        /// The account.
        name: String,
    },
    /// Set a new password (the account's sessions end).
    Password {
        /// The account.
        name: String,
    },
}

/// The password to set, and whether it was made here (and must be shown).
fn new_password() -> anyhow::Result<(String, bool)> {
    if let Ok(p) = std::env::var("CUSTODY_NEW_PASSWORD") {
        return Ok((p, false));
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("reading the password")?;
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        if !line.is_empty() {
            return Ok((line, false));
        }
    }
    let mut bytes = [0u8; 15];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok((hex::encode(bytes), true))
}

/// Runs `custody user`.
pub fn user(args: &UserArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let db = args.store.open().await?;
        let key = args.store.key(&db).await?;
        match &args.command {
            UserCommand::Add {
                name,
                role,
                display_name,
            } => {
                let (password, made) = new_password()?;
                let account = users::add(
                    &db,
                    &key,
                    Actor::Cli,
                    name,
                    display_name,
                    (*role).into(),
                    &password,
                )
                .await?;
                println!("added {} ({})", account.username, account.role.label());
                if made {
                    println!("password: {password}");
                }
            }
            UserCommand::List => {
                for a in users::list(&db).await? {
                    println!(
                        "{:<24} {:<20} {}{}",
                        a.username,
                        a.role.label(),
                        a.display_name,
                        a.disabled_at
                            .map(|at| format!("  (disabled {at})"))
                            .unwrap_or_default()
                    );
                }
            }
            UserCommand::Role { name, role } => {
                users::set_role(&db, &key, Actor::Cli, name, (*role).into()).await?;
                println!("{name} is now {}", Role::from(*role).label());
            }
            UserCommand::Disable { name } => {
                users::set_disabled(&db, &key, Actor::Cli, name, true).await?;
                println!("disabled {name}");
            }
            UserCommand::Enable { name } => {
                users::set_disabled(&db, &key, Actor::Cli, name, false).await?;
                println!("enabled {name}");
            }
            UserCommand::Password { name } => {
                let (password, made) = new_password()?;
                users::set_password(&db, &key, Actor::Cli, name, &password).await?;
                println!("set a new password for {name}");
                if made {
                    println!("password: {password}");
                }
            }
        }
        db.close().await;
        Ok(())
    })
}
