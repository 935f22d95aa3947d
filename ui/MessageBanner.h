#pragma once

// An inline message bar at the top of the window: errors and notices without modal dialogs, with optional
// action buttons (e.g. "Open checkpoint...").

#include <QFrame>
#include <QList>

class QLabel;
class QPushButton;
class QAction;

namespace lens {

class MessageBanner : public QFrame {
    Q_OBJECT

public:
    enum class Kind { Info, Warning, Error };

    explicit MessageBanner(QWidget* parent = nullptr);

    /// Shows text; action (may be null) becomes a button next to it.
    void showMessage(Kind kind, const QString& text, QAction* action = nullptr);
    /// Shows text with a button for each action.
    void showMessage(Kind kind, const QString& text, const QList<QAction*>& actions);
    void dismiss();

    QString text() const;
    Kind kind() const { return m_kind; }
    /// The (first) action offered with the current message, or null.
    QAction* action() const { return m_actions.value(0); }
    /// Every action offered with the current message.
    QList<QAction*> actions() const { return m_actions; }

Q_SIGNALS:
    void shown(const QString& text);

private:
    QLabel* m_icon = nullptr;
    QLabel* m_text = nullptr;
    QList<QPushButton*> m_buttons;
    QList<QAction*> m_actions;
    Kind m_kind = Kind::Info;
};

} // namespace lens
