//! Confidential representations with their text and the authority's replies (issue 6,
//! ICRC-VIS-e, migration 0017). Both are append-only and tenant-scoped; the texts are sealed with
//! the tenant's data key (`representations.text:<id>`, `representation_replies.text:<id>`,
//! re-sealed by a data-key rotation). Lists leave the texts sealed away; only
//! [`Store::representation`] opens them, and its callers log the read with its purpose (§7.5).

use domain::protection::{
    AllegationStatus, AuthorityReply, ReplyOutcome, RepresentationForm, RepresentationLetter,
    status_with,
};
use domain::{AllegationId, ReplyId, RepresentationId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::rows::ScopedPool;
use crate::scope::TenantScope;
use crate::{Store, on_backend};

/// A stored representation. From [`Store::representations`] its text and its replies' texts
/// are left sealed away (empty, `None`); [`Store::representation`] opens them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRepresentation {
    pub letter: RepresentationLetter,
    pub recorded_by: String,
    pub recorded_at: OffsetDateTime,
    /// In the order received.
    pub replies: Vec<StoredReply>,
}

/// A stored reply and who recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredReply {
    pub reply: AuthorityReply,
    pub recorded_by: String,
}

pub(super) type LetterRow = (
    Uuid,
    Uuid,
    String,
    String,
    Date,
    String,
    String,
    OffsetDateTime,
);
type ReplyRow = (Uuid, Uuid, Date, String, Option<String>, String);

pub(super) fn letter_of(row: LetterRow, keep_text: bool) -> StoreResult<StoredRepresentation> {
    let (id, allegation, form, addressee, sent_on, text, recorded_by, recorded_at) = row;
    Ok(StoredRepresentation {
        letter: RepresentationLetter {
            id: RepresentationId::from_uuid(id),
            allegation: AllegationId::from_uuid(allegation),
            form: form
                .parse::<RepresentationForm>()
                .map_err(StoreError::Corrupt)?,
            addressee,
            sent_on,
            text: if keep_text { text } else { String::new() },
        },
        recorded_by,
        recorded_at,
        replies: Vec::new(),
    })
}

fn reply_of(row: ReplyRow, keep_text: bool) -> StoreResult<StoredReply> {
    let (id, representation, received_on, outcome, text, recorded_by) = row;
    Ok(StoredReply {
        reply: AuthorityReply {
            id: ReplyId::from_uuid(id),
            representation: RepresentationId::from_uuid(representation),
            received_on,
            outcome: outcome
                .parse::<ReplyOutcome>()
                .map_err(StoreError::Corrupt)?,
            text: text.filter(|_| keep_text),
        },
        recorded_by,
    })
}

pub(super) const LETTER_COLUMNS: &str =
    "id, allegation_id, form, addressee, sent_on, text, recorded_by, recorded_at";
const REPLY_COLUMNS: &str = "id, representation_id, received_on, outcome, text, recorded_by";

impl Store {
    /// ICRC-VIS-e: records a confidential representation with its text, sealed. The allegation
    /// must be the scope's own ([`StoreError::NotFound`]) and not closed, the form allowed by
    /// the consent of the allegation and of its interviews (ICRC-VIS-c), the day it was sent
    /// not in the future ([`check_representation`]). The same representation (same id) again
    /// answers `false` and adds nothing.
    pub async fn record_representation(
        &self,
        scope: &TenantScope,
        letter: &RepresentationLetter,
    ) -> StoreResult<bool> {
        let mut batch = self.begin_field_batch(scope).await?;
        let new = batch.representation(letter).await?;
        batch.commit().await?;
        Ok(new)
    }

    /// ICRC-VIS-e: records the authority's reply to a representation, its text sealed. The
    /// representation must be the scope's own ([`StoreError::NotFound`]), its allegation not
    /// closed, and the reply dated from the day it was sent to today ([`check_reply`]). The
    /// same reply (same id) again answers `false`.
    pub async fn record_reply(
        &self,
        scope: &TenantScope,
        reply: &AuthorityReply,
    ) -> StoreResult<bool> {
        let mut batch = self.begin_field_batch(scope).await?;
        let new = batch.reply(reply).await?;
        batch.commit().await?;
        Ok(new)
    }

    /// An allegation's representations in the order sent, each with its replies, texts left
    /// sealed away (no read of protected text). Another tenant's allegation answers
    /// [`StoreError::NotFound`].
    pub async fn representations(
        &self,
        scope: &TenantScope,
        allegation: AllegationId,
    ) -> StoreResult<Vec<StoredRepresentation>> {
        let letter_sql = format!(
            "SELECT {LETTER_COLUMNS} FROM representations WHERE tenant_id = $1 AND allegation_id = $2 ORDER BY sent_on, recorded_at, id"
        );
        let reply_sql = format!(
            "SELECT {REPLY_COLUMNS} FROM representation_replies WHERE tenant_id = $1 AND representation_id IN \
             (SELECT id FROM representations WHERE tenant_id = $1 AND allegation_id = $2) ORDER BY received_on, recorded_at, id"
        );
        let (letters, replies): (Vec<LetterRow>, Vec<ReplyRow>) = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            ensure_own!(tx, scope, "allegations", allegation.as_uuid());
            let letters = sqlx::query_as(sqlx::AssertSqlSafe(letter_sql))
                .bind(*scope.tenant().as_uuid())
                .bind(allegation.as_uuid())
                .fetch_all(&mut *tx)
                .await?;
            let replies = sqlx::query_as(sqlx::AssertSqlSafe(reply_sql))
                .bind(*scope.tenant().as_uuid())
                .bind(allegation.as_uuid())
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            (letters, replies)
        });
        let mut out = letters
            .into_iter()
            .map(|row| letter_of(row, false))
            .collect::<StoreResult<Vec<_>>>()?;
        for row in replies {
            let reply = reply_of(row, false)?;
            if let Some(letter) = out
                .iter_mut()
                .find(|l| l.letter.id == reply.reply.representation)
            {
                letter.replies.push(reply);
            }
        }
        Ok(out)
    }

    /// One representation with its replies, texts opened: the caller logs the read with its
    /// purpose. Another tenant's answers [`StoreError::NotFound`].
    pub async fn representation(
        &self,
        scope: &TenantScope,
        id: RepresentationId,
    ) -> StoreResult<StoredRepresentation> {
        let mut stored = self.representation_rows(scope, id).await?;
        stored.letter.text = self
            .vault()
            .open_text(
                scope,
                &format!("representations.text:{id}"),
                &stored.letter.text,
            )
            .await?;
        for reply in &mut stored.replies {
            if let Some(sealed) = &reply.reply.text {
                reply.reply.text = Some(
                    self.vault()
                        .open_text(
                            scope,
                            &format!("representation_replies.text:{}", reply.reply.id),
                            sealed,
                        )
                        .await?,
                );
            }
        }
        Ok(stored)
    }

    /// The allegation a representation belongs to (no text is opened); another tenant's
    /// representation answers [`StoreError::NotFound`].
    pub async fn representation_allegation(
        &self,
        scope: &TenantScope,
        id: RepresentationId,
    ) -> StoreResult<AllegationId> {
        Ok(self.representation_rows(scope, id).await?.letter.allegation)
    }

    /// One representation and its replies as stored (texts still sealed).
    async fn representation_rows(
        &self,
        scope: &TenantScope,
        id: RepresentationId,
    ) -> StoreResult<StoredRepresentation> {
        let letter_sql = format!(
            "SELECT {LETTER_COLUMNS} FROM representations WHERE tenant_id = $1 AND id = $2"
        );
        let reply_sql = format!(
            "SELECT {REPLY_COLUMNS} FROM representation_replies WHERE tenant_id = $1 AND representation_id = $2 ORDER BY received_on, recorded_at, id"
        );
        let (letter, replies): (Option<LetterRow>, Vec<ReplyRow>) = on_backend!(self, pool => {
            let mut tx = pool.read_scoped(scope).await?;
            let letter = sqlx::query_as(sqlx::AssertSqlSafe(letter_sql))
                .bind(*scope.tenant().as_uuid())
                .bind(id.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
            let replies = sqlx::query_as(sqlx::AssertSqlSafe(reply_sql))
                .bind(*scope.tenant().as_uuid())
                .bind(id.as_uuid())
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            (letter, replies)
        });
        let mut stored = letter_of(letter.ok_or(StoreError::NotFound)?, true)?;
        stored.replies = replies
            .into_iter()
            .map(|row| reply_of(row, true))
            .collect::<StoreResult<_>>()?;
        Ok(stored)
    }

    /// ICRC-VIS-e: the status of an allegation from its steps, representations and replies
    /// ([`status_with`]); no protected text is opened.
    pub async fn allegation_status(
        &self,
        scope: &TenantScope,
        id: AllegationId,
    ) -> StoreResult<AllegationStatus> {
        let (_, history) = self.allegation(scope, id).await?;
        let stored = self.representations(scope, id).await?;
        let letters: Vec<RepresentationLetter> = stored.iter().map(|s| s.letter.clone()).collect();
        let replies: Vec<AuthorityReply> = stored
            .iter()
            .flat_map(|s| s.replies.iter().map(|r| r.reply.clone()))
            .collect();
        Ok(status_with(&history, &letters, &replies))
    }
}
