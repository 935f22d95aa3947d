#pragma once

// An inline message bar at the top of the window: errors and notices without modal dialogs, with an
// optional action button (e.g. "Open checkpoint...").

#include <QFrame>

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
    void dismiss();

    QString text() const;
    Kind kind() const { return m_kind; }
    /// The action offered with the current message, or null.
    QAction* action() const { return m_action; }

Q_SIGNALS:
    void shown(const QString& text);

private:
    QLabel* m_icon = nullptr;
    QLabel* m_text = nullptr;
    QPushButton* m_button = nullptr;
    QAction* m_action = nullptr;
    Kind m_kind = Kind::Info;
};

} // namespace lens
