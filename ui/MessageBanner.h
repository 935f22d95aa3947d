#pragma once

// An inline message bar at the top of the window: errors and notices without modal dialogs, with optional
// action buttons (e.g. "Open checkpoint..."). Every message belongs to a topic (the state it is about: an
// image, what was being opened, the model, the device); when that state changes, its owner dismisses the
// topic, and a message about something else stays.

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
    /// What a message is about.
    enum class Topic {
        General,
        Opening, ///< a file, folder or the clipboard that could not be opened
        Image, ///< the image shown (cannot be read or classified)
        Model, ///< the result of loading a model
        Device, ///< where the model runs
    };

    explicit MessageBanner(QWidget* parent = nullptr);

    /// Shows text; action (may be null) becomes a button next to it.
    void showMessage(Kind kind, const QString& text, QAction* action = nullptr, Topic topic = Topic::General);
    /// Shows text with a button for each action.
    void showMessage(Kind kind, const QString& text, const QList<QAction*>& actions,
                     Topic topic = Topic::General);
    void dismiss();
    /// Dismisses the message when it is about topic; a message about something else stays.
    void dismiss(Topic topic);

    QString text() const;
    Kind kind() const { return m_kind; }
    Topic topic() const { return m_topic; }
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
    Topic m_topic = Topic::General;
};

} // namespace lens
