#include "MessageBanner.h"

#include <QAction>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QToolButton>

namespace lens {

MessageBanner::MessageBanner(QWidget* parent)
    : QFrame(parent)
{
    setObjectName(QStringLiteral("messageBanner"));
    setFrameShape(QFrame::StyledPanel);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 4, 4);
    m_icon = new QLabel(this);
    m_text = new QLabel(this);
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* close = new QToolButton(this);
    close->setAutoRaise(true);
    close->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
    close->setToolTip(tr("Dismiss"));
    close->setAccessibleName(tr("Dismiss message"));
    m_text->setAccessibleName(tr("Message"));
    layout->addWidget(m_icon);
    layout->addWidget(m_text, 1);
    layout->addWidget(close);
    connect(close, &QToolButton::clicked, this, [this] { dismiss(); });
    hide();
}

void MessageBanner::showMessage(Kind kind, const QString& text, QAction* action, Topic topic)
{
    showMessage(kind, text, action ? QList<QAction*> {action} : QList<QAction*> {}, topic);
}

void MessageBanner::showMessage(Kind kind, const QString& text, const QList<QAction*>& actions, Topic topic)
{
    m_kind = kind;
    m_topic = topic;
    m_actions = actions;
    const QStyle::StandardPixmap icon = kind == Kind::Error ? QStyle::SP_MessageBoxCritical
        : kind == Kind::Warning                             ? QStyle::SP_MessageBoxWarning
                                                            : QStyle::SP_MessageBoxInformation;
    m_icon->setPixmap(style()->standardIcon(icon).pixmap(20, 20));
    const char* colour = kind == Kind::Error ? "#f8d7da" : kind == Kind::Warning ? "#fff3cd" : "#d9edf7";
    setStyleSheet(QStringLiteral("#messageBanner { background: %1; color: black; border-radius: 4px; }"
                                 "#messageBanner QLabel { color: black; }")
                      .arg(QLatin1String(colour)));
    m_text->setText(text);
    // One button per action, before the close button.
    auto* row = static_cast<QHBoxLayout*>(layout());
    while (m_buttons.size() < actions.size()) {
        auto* button = new QPushButton(this);
        const int slot = int(m_buttons.size());
        connect(button, &QPushButton::clicked, this, [this, slot] {
            if (QAction* action = m_actions.value(slot))
                action->trigger();
        });
        row->insertWidget(row->count() - 1, button);
        m_buttons << button;
    }
    for (int i = 0; i < m_buttons.size(); ++i) {
        m_buttons[i]->setVisible(i < actions.size());
        if (i < actions.size())
            m_buttons[i]->setText(actions[i]->text().remove(QLatin1Char('&')));
    }
    show();
    Q_EMIT shown(text);
}

void MessageBanner::dismiss(Topic topic)
{
    if (m_topic == topic)
        dismiss();
}

void MessageBanner::dismiss()
{
    m_topic = Topic::General;
    m_text->clear();
    m_actions.clear();
    hide();
}

QString MessageBanner::text() const
{
    return isVisibleTo(parentWidget()) ? m_text->text() : QString();
}

} // namespace lens
